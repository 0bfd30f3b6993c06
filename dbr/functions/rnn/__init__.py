"""Recurrent networks over variable-length sequences (n_step_lstm, n_step_gru, n_step_rnn)."""

# function name -> module in this package; dbr.functions imports a module on first use.
EXPORTS = {
    'n_step_bigru': 'n_step_gru',
    'n_step_bilstm': 'n_step_lstm',
    'n_step_birnn': 'n_step_rnn',
    'n_step_gru': 'n_step_gru',
    'n_step_lstm': 'n_step_lstm',
    'n_step_rnn': 'n_step_rnn',
}
