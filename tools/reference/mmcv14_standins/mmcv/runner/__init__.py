def _load_checkpoint(*args, **kwargs):
    raise NotImplementedError('reference runs load no pretrained checkpoint')
