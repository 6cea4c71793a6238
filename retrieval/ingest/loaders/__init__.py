"""Readers for each kind of source; `retrieval.ingest.loading.iter_articles` is the entry point.

Each reader turns raw bytes or text into `Article`s and raises `SourceError` for what it
cannot read; `iter_articles` turns those into yielded errors so a batch goes on.
"""
