"""wget stand-in: the reference runs download nothing."""


def download(url, out=None):
    raise RuntimeError(f'wget stand-in: not downloading {url}; put the file at {out} first')
