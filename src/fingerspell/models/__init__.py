"""The two model families: `ctc` (conv-transformer encoder + CTC head, the default) and `seq2seq`
(the seed notebook's Transformer encoder-decoder, fixed: the baseline)."""
