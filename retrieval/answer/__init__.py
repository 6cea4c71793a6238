"""Step 4, answer: passages -> an `Answer` whose citations quote them.

`extractive` (the default) quotes sentences; `llm` writes an answer and `verify` checks
each of its citations against the passage (`claims` parses its sentences). `prompts`
loads the templates of the top-level `prompts` package.
"""

from retrieval.answer.base import Answerer
from retrieval.answer.extractive import ExtractiveAnswerer
from retrieval.answer.factory import build_answerer

__all__ = ["Answerer", "ExtractiveAnswerer", "build_answerer"]
