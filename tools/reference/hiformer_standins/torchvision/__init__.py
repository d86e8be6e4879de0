"""torchvision stand-in: only `torchvision.models` (the ResNets)."""
from . import models  # noqa: F401
