"""Where papers come from: the Hugging Face Daily Papers API, the arXiv API and local files."""
