"""newsbot's prompt templates: the `*.txt` files beside this one, installed as package data.

They are read by name with `retrieval.answer.prompts.load_prompt`; nothing here runs.
"""
