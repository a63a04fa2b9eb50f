"""Pretrained weights of the L3 representation: where they are, checking them, fetching them.

Nothing here imports torch, so the workflow can check the weights in its main process before
any job runs, also when each job has its own conda environment.

Where the weights are looked for, in order:

1. ``l3.weights`` in the config: a local file, used as it is (never downloaded);
2. torch.hub's checkpoint cache, as torchopenl3 uses it:
   ``$TORCH_HOME/hub/checkpoints/<name>`` (``TORCH_HOME`` defaults to
   ``$XDG_CACHE_HOME/torch``, and that to ``~/.cache/torch``).

``<name>`` is ``torchopenl3_<input_repr>_<content_type>_<embedding_size>.pth.tar``, for the
paper's L3 ``torchopenl3_linear_env_512.pth.tar`` (19 MB).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import urllib.request
from dataclasses import dataclass
from pathlib import Path

# Where torchopenl3 1.0.1 itself fetches its weights from (torchopenl3.core.get_model_path).
BASE_URL = "https://github.com/torchopenl3/torchopenl3-models/raw/master/"
DOWNLOAD_TIMEOUT_S = 60


class WeightsError(Exception):
    """The weights are missing, cannot be fetched, or are not the configured file."""


def file_name(params: dict) -> str:
    """File name of the torchopenl3 weights for the L3 parameters ``params``."""
    return f"torchopenl3_{params['input_repr']}_{params['content_type']}_{params['embedding_size']}.pth.tar"


def url(params: dict) -> str:
    return BASE_URL + file_name(params)


def torch_home(environ=None) -> Path:
    """torch's home folder, resolved the way ``torch.hub`` resolves it."""
    environ = os.environ if environ is None else environ
    cache = environ.get("XDG_CACHE_HOME", "~/.cache")
    return Path(os.path.expanduser(environ.get("TORCH_HOME", os.path.join(cache, "torch"))))


def cache_path(params: dict, environ=None) -> Path:
    """Where torch.hub keeps (and torchopenl3 looks for) the weights file."""
    return torch_home(environ) / "hub" / "checkpoints" / file_name(params)


def sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class Weights:
    path: Path
    configured: bool  # True when l3.weights names the file
    expected_sha256: str | None
    download: bool

    @property
    def present(self) -> bool:
        return self.path.is_file()

    def remedy(self) -> str:
        """What a user can do when the weights are missing or wrong."""
        if self.configured:
            where = f"put the weights file at {self.path} (config key 'l3.weights'), or point 'l3.weights' at it"
        else:
            where = (
                f"put {self.path.name} at {self.path} (torch.hub's cache under TORCH_HOME), "
                f"set TORCH_HOME to a folder whose hub/checkpoints/ holds it, or set config key "
                f"'l3.weights' to a local copy"
            )
        return f"To fix: {where}; or remove 'l3' from the config key 'representations'."

    def verify(self, path: Path | None = None) -> str:
        """sha256 of the file; raises when a configured checksum does not match."""
        digest = sha256(path or self.path)
        if self.expected_sha256 and digest != self.expected_sha256.lower():
            raise WeightsError(
                f"L3 weights {path or self.path} have sha256 {digest}, but config key 'l3.sha256' says "
                f"{self.expected_sha256}: the file is damaged or not the one configured. "
                + ("Delete it so that it is downloaded again, " if not self.configured else "Replace it, ")
                + "or correct 'l3.sha256'."
            )
        return digest


def locate(l3_config: dict, params: dict, environ=None) -> Weights:
    """The weights the config asks for (nothing is read or fetched)."""
    configured = l3_config.get("weights")
    path = Path(os.path.expanduser(configured)).resolve() if configured else cache_path(params, environ).resolve()
    return Weights(
        path=path,
        configured=bool(configured),
        expected_sha256=l3_config.get("sha256"),
        download=bool(l3_config.get("download", True)) and not configured,
    )


def check(weights: Weights) -> str | None:
    """Check what can be checked without the network; returns the sha256 when present.

    Raises :class:`WeightsError` when the weights are absent and cannot be downloaded (a
    configured file, or ``l3.download: false``), or present with a wrong checksum.
    """
    if weights.present:
        return weights.verify()
    if weights.configured:
        raise WeightsError(
            f"L3 weights file {weights.path} (config key 'l3.weights') does not exist. {weights.remedy()}"
        )
    if not weights.download:
        raise WeightsError(
            f"L3 weights {weights.path.name} are not at {weights.path} and config key 'l3.download' "
            f"is false. {weights.remedy()}"
        )
    return None


def fetch(weights: Weights, params: dict, opener=None) -> str:
    """Download the weights into torch.hub's cache (atomically) and verify them; returns sha256.

    ``opener(url, timeout)`` opens the address; by default :func:`urllib.request.urlopen`, looked
    up when called (so that a patched ``urlopen`` is the one used).

    Raises :class:`WeightsError` naming the file, the address and what to do when the download
    fails, so that the workflow stops before any job runs.
    """
    source = url(params)
    opener = urllib.request.urlopen if opener is None else opener
    weights.path.parent.mkdir(parents=True, exist_ok=True)
    partial = weights.path.with_name(weights.path.name + ".partial")
    try:
        with opener(source, timeout=DOWNLOAD_TIMEOUT_S) as response, open(partial, "wb") as out:
            shutil.copyfileobj(response, out)
    except Exception as exc:  # any network, proxy or disk failure
        partial.unlink(missing_ok=True)
        raise WeightsError(
            f"L3 weights {weights.path.name} are not at {weights.path} and could not be downloaded "
            f"from {source} ({type(exc).__name__}: {exc}). {weights.remedy()}"
        ) from exc
    try:
        digest = weights.verify(partial)
    except WeightsError:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, weights.path)
    return digest
