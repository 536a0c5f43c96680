"""What the offline demo needs at run time: :mod:`procskill.testing.tiny_model`, a tiny random Qwen3.5
built offline. The test kit (fake model server, scripted models, synthetic packs) lives in the test tree
(``tests/testkit``), not in the installed package.
"""
