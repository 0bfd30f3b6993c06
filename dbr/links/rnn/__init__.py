"""Recurrent links."""

# link name -> module in this package; dbr.links imports a module on first use.
EXPORTS = {
    'ChildSumTreeLSTM': 'tree_lstm',
    'GRU': 'gru',
    'LSTM': 'lstm',
    'NaryTreeLSTM': 'tree_lstm',
    'NStepBiGRU': 'n_step_gru',
    'NStepBiLSTM': 'n_step_lstm',
    'NStepBiRNNReLU': 'n_step_rnn',
    'NStepBiRNNTanh': 'n_step_rnn',
    'NStepGRU': 'n_step_gru',
    'NStepLSTM': 'n_step_lstm',
    'NStepRNNReLU': 'n_step_rnn',
    'NStepRNNTanh': 'n_step_rnn',
    'StatefulGRU': 'gru',
    'StatefulMGU': 'mgu',
    'StatefulPeepholeLSTM': 'peephole',
    'StatefulZoneoutLSTM': 'zoneoutlstm',
    'StatelessGRU': 'gru',
    'StatelessLSTM': 'lstm',
    'StatelessMGU': 'mgu',
}
