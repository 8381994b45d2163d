"""Tools for program authors: outline, text statistics, speech text, scenarios and `simulate`.

Nothing here runs on a patient's request path except `speech.speech_text`/`cache_key`, which name the
audio file of a page.
"""
