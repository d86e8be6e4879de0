"""timm stand-in: only the layers HiFormer's files import."""
