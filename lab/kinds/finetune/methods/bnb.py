"""The one guarded place that imports bitsandbytes: QLoRA and the NF4 explainer ask here."""
from __future__ import annotations

import functools
import warnings

from lab.errors import LabError


@functools.lru_cache(maxsize=1)
def _load():
    try:
        with warnings.catch_warnings():
            # its import raises torch.jit deprecation warnings; its log line about the optional `kernels`
            # package is quieted where the lab package starts (lab/__init__.py)
            warnings.simplefilter("ignore")
            import bitsandbytes
            import bitsandbytes.functional  # noqa: F401
        return bitsandbytes, None
    except Exception as exc:  # an import error, or a native library that does not load here
        return None, f"{type(exc).__name__}: {exc}"


def bitsandbytes():
    """The bitsandbytes module, or a LabError saying QLoRA cannot run on this machine."""
    module, problem = _load()
    if module is None:
        raise LabError("QLoRA needs bitsandbytes, which cannot run on this machine "
                       f"({problem}); untick QLoRA or install bitsandbytes.")
    return module


def available() -> bool:
    return _load()[0] is not None
