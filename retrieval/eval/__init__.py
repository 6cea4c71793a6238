"""Step 5, evaluate: `data` reads a corpus and its questions, `run` ingests and asks them,
`metrics` scores the rankings and answers, `report` holds and prints the figures."""
