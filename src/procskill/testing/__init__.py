"""Offline test kit, shipped in the package: tests, the demo and benchmarks use it.

- :mod:`procskill.testing.tiny_model`: a tiny random Qwen3.5 built offline;
- :mod:`procskill.testing.fake_openai`: a loopback model-API server (OpenAI chat completions and Responses,
  Anthropic Messages) with scripted replies and faults;
- :mod:`procskill.testing.scripted`: ``mockllm`` models whose outputs carry usage;
- :mod:`procskill.testing.packs`: synthetic skill packs with trivially checkable tasks.
"""
