"""Programs and their content as the app serves them: the programs loaded at start, Markdown to safe HTML, text-to-speech audio."""
