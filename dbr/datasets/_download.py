"""Where the dataset loaders keep their files, and fetching a missing file into that place."""
import os
import shutil

# Seconds a connection attempt or a stalled read may take: an offline machine fails fast
# instead of hanging.
TIMEOUT = 15


def get_dataset_root():
    """Returns ``$DBR_DATASET_ROOT`` (read at call time), or ``~/.dbr/dataset`` when unset."""
    root = os.environ.get('DBR_DATASET_ROOT') or os.path.join('~', '.dbr', 'dataset')
    return os.path.abspath(os.path.expanduser(root))


def get_dataset_directory(name):
    """Returns the folder of dataset ``name`` under the dataset root (not created here)."""
    return os.path.join(get_dataset_root(), name)


def _open_url(url):
    """Opens ``url`` for reading (the one place that touches the network)."""
    import urllib.request  # only loaded when a file is really missing
    return urllib.request.urlopen(url, timeout=TIMEOUT)


def download(urls, path):
    """Downloads the first of ``urls`` that answers into ``path``.

    The file appears only when complete (written to ``path + '.part'``, then renamed), so an
    interrupted download never leaves a truncated file that looks like data.

    Args:
        urls (list of str): Mirrors of one file, tried in order.
        path (str): Destination; its folder is created.

    Returns:
        None when the file was written; otherwise a string that says why each mirror failed.
    """
    import http.client
    os.makedirs(os.path.dirname(path), exist_ok=True)
    part = path + '.part'
    reasons = []
    for url in urls:
        try:
            with _open_url(url) as response, open(part, 'wb') as out:
                shutil.copyfileobj(response, out)
        # URLError, HTTPError and timeouts are OSErrors; a cut-off body is an HTTPException
        except (OSError, ValueError, http.client.HTTPException) as e:
            reasons.append(f'{url}: {e}')
            if os.path.exists(part):
                os.remove(part)
            continue
        os.replace(part, path)
        return None
    return '; '.join(reasons)
