"""The local-model stack (torch, transformers, PEFT, TRL, Accelerate) is the optional extra ``local``.

The core (API / vLLM / mockllm evaluations, judges, re-judging, agreement, the report) must not
need it: vLLM pins its own torch and transformers, so an environment with vLLM cannot also hold
ours. Code that loads or trains local weights calls :func:`require_local` before importing the
stack, so that a missing extra says how to install it instead of failing on a bare import.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable

LOCAL_MODULES = ("torch", "transformers", "peft", "trl", "accelerate")
INSTALL_HINT = "pip install 'procskill[local]'"


class LocalStackMissing(ImportError):
    """A local-model feature was used without the ``local`` extra installed."""


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a blocked or half-imported module counts as absent
        return False


def missing_local_modules(modules: Iterable[str] = LOCAL_MODULES) -> list[str]:
    """The modules of ``modules`` that cannot be imported here."""
    return [m for m in modules if not _installed(m)]


def require_local(feature: str, modules: Iterable[str] = LOCAL_MODULES) -> None:
    """Raise :class:`LocalStackMissing`, naming ``feature`` and the install command, if a module is missing.

    Args:
        feature: What the user tried to do, e.g. ``"procskill train"``.
        modules: The modules that feature imports (default: the whole stack).
    """
    missing = missing_local_modules(modules)
    if missing:
        message = (
            f"{feature} needs the local-model stack, and {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not installed here. Install it with: {INSTALL_HINT}"
        )
        if _installed("vllm"):
            message += (
                " in an environment without vLLM (vLLM pins a transformers older than the extra's, "
                "so the two cannot share one)"
            )
        raise LocalStackMissing(message)


CPU_KERNEL_ADVICE = "falling back to its reference PyTorch implementation"
"""transformers' advice to install a CUDA-only kernel (causal-conv1d, flash-linear-attention) for Qwen3.5."""


class _CpuKernelAdvice:
    """A logging filter dropping :data:`CPU_KERNEL_ADVICE` records (they do not apply without a GPU)."""

    def filter(self, record: object) -> bool:
        return CPU_KERNEL_ADVICE not in getattr(record, "getMessage", lambda: "")()


def quiet_cpu_kernel_warnings() -> None:
    """Hide transformers' advice to install CUDA-only kernels when this machine has no GPU (idempotent).

    On a GPU machine the advice stays: there the kernels are a real speed-up.
    """
    import logging

    import torch

    if torch.cuda.is_available():
        return
    logger = logging.getLogger("transformers.integrations.hub_kernels")
    if not any(isinstance(f, _CpuKernelAdvice) for f in logger.filters):
        logger.addFilter(_CpuKernelAdvice())
