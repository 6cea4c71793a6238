"""The text toolkit every step shares: sentences with offsets, stopwords, stemming."""

from retrieval.text.sentences import Span, split_sentences
from retrieval.text.words import STOPWORDS, tokenize

__all__ = ["STOPWORDS", "Span", "split_sentences", "tokenize"]
