"""The test kit (not installed): importable as ``testkit`` from tests (pytest puts ``tests/`` on ``sys.path``
through the root ``conftest.py``) and from benchmarks (``benchmarks/_common.py`` adds ``tests/``).

- :mod:`testkit.fake_openai`: a loopback model-API server (OpenAI chat completions and Responses,
  Anthropic Messages) with scripted replies and faults;
- :mod:`testkit.scripted`: ``mockllm`` models whose outputs carry usage;
- :mod:`testkit.packs`: synthetic skill packs with trivially checkable tasks.

The tiny offline Qwen3.5 builder stays installed (:mod:`procskill.testing.tiny_model`): the demo needs it.
"""
