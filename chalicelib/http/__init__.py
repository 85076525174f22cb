"""The HTTP edge: path decoding, responses, and the one error table. The only chalicelib code that
imports chalice."""
