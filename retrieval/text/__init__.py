"""The text toolkit every step shares: sentences with offsets, stopwords, stemming."""

from retrieval.text.sentences import Span, split_sentences
from retrieval.text.words import STOPWORDS, content_words, stem, tokenize, words

__all__ = ["STOPWORDS", "Span", "content_words", "split_sentences", "stem", "tokenize", "words"]
