"""Recurrent links."""

# link name -> module in this package; dbr.links imports a module on first use.
EXPORTS = {
    'GRU': 'gru',
    'LSTM': 'lstm',
    'NStepBiGRU': 'n_step_gru',
    'NStepBiLSTM': 'n_step_lstm',
    'NStepBiRNNReLU': 'n_step_rnn',
    'NStepBiRNNTanh': 'n_step_rnn',
    'NStepGRU': 'n_step_gru',
    'NStepLSTM': 'n_step_lstm',
    'NStepRNNReLU': 'n_step_rnn',
    'NStepRNNTanh': 'n_step_rnn',
    'StatefulGRU': 'gru',
    'StatelessGRU': 'gru',
    'StatelessLSTM': 'lstm',
}
