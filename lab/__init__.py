"""Fine-Tuning Lab: the library behind the tabs. The UI lives in lab/ui; everything here is plain Python."""
import logging as _logging

# bitsandbytes' CPU backend, imported with transformers and peft, logs a warning on a CPU with AVX512-BF16
# when the optional `kernels` package is missing: that package would fetch a 4-bit inference kernel from
# the Hugging Face Hub while bitsandbytes is being imported. The lab does not install it (an import must
# not wait on the Hub), so the warning would only repeat on every job's log. Errors still show.
BNB_KERNELS_LOGGER = "bitsandbytes.backends.cpu.ops"
_logging.getLogger(BNB_KERNELS_LOGGER).setLevel(_logging.ERROR)
