import csv
import importlib.util
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.logging import logger
from snakemake.utils import validate

sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from audio_umaps import config as _config  # noqa: E402
from audio_umaps import manifest as _manifest  # noqa: E402
from audio_umaps import representations as _representations  # noqa: E402
from audio_umaps import weights as _weights  # noqa: E402


# ---- configuration -------------------------------------------------------------------------
# Parent objects are created first so that the schema fills in their nested defaults.
for _key in ("audio", "representation_params", "umap", "plots", "l3"):
    config.setdefault(_key, {})
config["plots"].setdefault("origin", {})
_problems = _config.problems(
    config, Path(workflow.basedir) / "workflow/schemas/config.schema.yaml"
)
if _problems:
    raise WorkflowError(
        "the configuration (config/config.yaml or your --configfile) is not valid:\n  "
        + "\n  ".join(_problems)
    )
validate(config, "../schemas/config.schema.yaml")  # fills in the schema's defaults

DATASETS = config["datasets"]
REPRESENTATIONS = config["representations"]
for _representation in REPRESENTATIONS:
    if _representation not in _representations.REGISTRY:
        raise WorkflowError(
            f"config key 'representations': unknown representation '{_representation}'; "
            f"known: {', '.join(sorted(_representations.REGISTRY))}"
        )
STACKS = config["stacks"]
GLOBAL = "global"
DEMO_ROOT = "results/demo"


def representation_params(representation):
    params = _representations.params(
        representation, config["representation_params"].get(representation)
    )
    if representation == L3:
        params["weights"] = str(L3_WEIGHTS.path)
    return params


def uses_conda():
    """Whether jobs run in their own conda environments (--sdm conda)."""
    settings = workflow.deployment_settings
    return settings is not None and any(m.name == "CONDA" for m in settings.deployment_method)


def importable(module):
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


# ---- L3 weights: checked now, fetched (when allowed) before the first job runs ---------------
L3 = "l3"
L3_WEIGHTS = None
if L3 in REPRESENTATIONS:
    L3_WEIGHTS = _weights.locate(
        config["l3"], _representations.params(L3, config["representation_params"].get(L3))
    )
    try:
        _weights.check(L3_WEIGHTS)
    except _weights.WeightsError as _exc:
        raise WorkflowError(str(_exc)) from None
    if not L3_WEIGHTS.present:
        logger.warning(
            f"L3 weights {L3_WEIGHTS.path.name} are not at {L3_WEIGHTS.path} yet: they will be "
            "downloaded before the first job runs (set config key 'l3.download: false' to forbid)."
        )
    if not uses_conda() and not importable("torchopenl3"):
        raise WorkflowError(
            "representation 'l3' needs torch and torchopenl3, which this Python lacks: run "
            "bin/setup-venv --l3 (or pip install -r requirements-l3.txt), run with --sdm conda, "
            "or remove 'l3' from the config key 'representations'."
        )


onstart:
    if L3_WEIGHTS is not None and not L3_WEIGHTS.present:
        logger.info(f"downloading L3 weights to {L3_WEIGHTS.path}")
        try:
            _weights.fetch(L3_WEIGHTS, representation_params(L3))
        except _weights.WeightsError as _exc:
            raise WorkflowError(str(_exc)) from None


def check_root(dataset):
    """Stop before anything runs when a dataset's folder is missing, naming the key."""
    root = DATASETS[dataset]["root"]
    if DATASETS[dataset].get("source") == "demo":
        if not root.startswith(f"{DEMO_ROOT}/"):
            raise WorkflowError(
                f"datasets.{dataset}.root: a dataset with 'source: demo' must lie under {DEMO_ROOT}/"
            )
    elif not Path(root).is_dir():
        raise WorkflowError(
            f"datasets.{dataset}.root: folder '{root}' does not exist. Point it at the dataset "
            f"in config/config.yaml (or your --configfile), or remove the '{dataset}' entry."
        )


def demo_root(kind):
    """Where the demo rule writes the demo dataset of a kind (dcase2021 or folder)."""
    for entry in DATASETS.values():
        if entry.get("source") == "demo" and entry["kind"] == kind:
            return entry["root"]
    return f"{DEMO_ROOT}/{'dcase2021' if kind == 'dcase2021' else 'external'}"


def dataset_layout(dataset):
    """{device: [sections]} of a dcase2021 dataset, read from its folder names (or, for the
    demo, from the demo settings, since its files do not exist before the demo rule runs)."""
    entry = DATASETS[dataset]
    if entry.get("source") == "demo":
        demo = config.get("demo", {})
        sections = [f"{s:02d}" for s in range(demo.get("sections", 3))]
        return {device: sections for device in sorted(demo.get("devices", {}))}
    root = Path(entry["root"])
    truth = entry.get("ground_truth")
    if truth and not Path(truth).is_dir():
        raise WorkflowError(
            f"datasets.{dataset}.ground_truth: folder '{truth}' does not exist. Point it at the "
            "folder holding ground_truth_<device>_section_<SS>_test.csv, or remove the key."
        )
    layout = _manifest.scan_dcase2021(root)
    if not layout:
        raise WorkflowError(
            f"datasets.{dataset}: no file under '{root}' follows the DCASE 2021 layout "
            "<device>/<train|source_test|target_test|test>/section_<SS>_..._<NNNN>.wav; "
            "use 'kind: folder' for other audio"
        )
    return layout


def dataset_parts(dataset):
    """The feature jobs of a dataset: one per device (dcase2021) or its configured slices."""
    entry = DATASETS[dataset]
    if entry["kind"] == "dcase2021":
        return list(LAYOUTS[dataset])
    return _manifest.folder_parts(entry.get("jobs", 1))


for _dataset in DATASETS:
    check_root(_dataset)
LAYOUTS = {d: dataset_layout(d) for d, e in DATASETS.items() if e["kind"] == "dcase2021"}
EXTERNAL = [d for d, e in DATASETS.items() if e["kind"] == "folder"]
DEVICE_SECTIONS = {}
for _layout in LAYOUTS.values():
    for _device, _sections in _layout.items():
        DEVICE_SECTIONS.setdefault(_device, set()).update(_sections)
DEVICE_SECTIONS = {d: sorted(s) for d, s in sorted(DEVICE_SECTIONS.items())}
DEVICES = list(DEVICE_SECTIONS)
if GLOBAL in DEVICES:
    raise WorkflowError(f"a device may not be called '{GLOBAL}': rename its folder")
if not DEVICES:
    raise WorkflowError("no dcase2021 dataset in config 'datasets': there is no device to plot")
SCOPES = DEVICES + [GLOBAL]


wildcard_constraints:
    dataset="|".join(DATASETS),
    representation="|".join(REPRESENTATIONS),
    stack=r"\d+",
    scope="|".join(SCOPES),
    device="|".join(DEVICES),
    section=r"\d+",
    part=r"[A-Za-z0-9_.-]+",


# ---- inputs of rules -----------------------------------------------------------------------
def demo_input(wildcards):
    return [DEMO_ROOT] if DATASETS[wildcards.dataset].get("source") == "demo" else []


def feature_store(dataset, representation, part):
    return f"results/features/{dataset}/{representation}/{part}.zarr"


def include_external(scope, stack):
    return not (
        scope == GLOBAL
        and int(stack) in config["sampling"].get("global_without_external_at_stacks", [])
    )


def scope_stores(wildcards):
    """Feature stores a scope samples from: its device's (or every device's) parts, plus the
    external datasets unless this global stack is configured without them."""
    stores = {}
    for dataset, layout in LAYOUTS.items():
        for part in layout:
            if wildcards.scope in (GLOBAL, part):
                stores[f"{dataset}/{part}"] = feature_store(dataset, wildcards.representation, part)
    if include_external(wildcards.scope, wildcards.stack):
        for dataset in EXTERNAL:
            for part in dataset_parts(dataset):
                stores[f"{dataset}/{part}"] = feature_store(dataset, wildcards.representation, part)
    return stores


def scope_manifests(wildcards):
    datasets = {key.split("/")[0] for key in scope_stores(wildcards)}
    return [f"results/manifest/{d}.tsv" for d in sorted(datasets)]


def feature_exclusions(wildcards):
    return [
        f"results/features/{wildcards.dataset}/{r}/{p}.excluded.tsv"
        for r in REPRESENTATIONS
        for p in dataset_parts(wildcards.dataset)
    ]


# ---- resources, from the inputs --------------------------------------------------------------
def tsv_rows(path):
    with open(path) as handle:
        return max(sum(1 for _ in handle) - 1, 0)


def part_files(wildcards, input):
    """(number of files, longest and total duration in s) of one feature job, from its
    manifest."""
    with open(input.manifest, newline="") as handle:
        durations = [
            float(row["duration"])
            for row in csv.DictReader(handle, delimiter="\t")
            if row["part"] == wildcards.part
        ]
    return len(durations), max(durations, default=0.0), sum(durations)


# Jobs that exceed their memory or time are killed by the cluster and retried with more of
# both: the estimates below grow with the attempt (x1, x2, x3) in rules with `retries: RETRIES`.
RETRIES = 2


def grows(estimate):
    """The resource function ``estimate`` scaled by the job's attempt."""

    def resource(wildcards, input, attempt):
        return int(estimate(wildcards, input) * attempt)

    resource.__name__ = estimate.__name__
    resource.__doc__ = estimate.__doc__
    return resource


def features_mem_mb(wildcards, input):
    """Streaming: one file's audio and spectrogram (~40 MB per minute) and a frame buffer."""
    return 800 + 40 * part_files(wildcards, input)[1] / 60


def features_runtime(wildcards, input):
    """Minutes: about 0.01 s of work per second of audio (measured), with a margin of 20."""
    return 5 + part_files(wildcards, input)[2] * 0.01 / 60 * 20


def l3_mem_mb(wildcards, input):
    """torch and the model (~0.9 GB measured), one piece of chunk_frames 1 s windows at 48 kHz
    (float64 and float32 copies) and the longest file at 48 kHz."""
    chunk = representation_params(L3)["chunk_frames"]
    return 1200 + chunk * 48000 * 12 / 1e6 + part_files(wildcards, input)[1] * 48000 * 8 / 1e6


def l3_runtime(wildcards, input):
    """Minutes on the CPU: about 0.9 s of work per second of audio on 2 cores (measured), with
    a margin of 3; a GPU job takes a small part of it."""
    return 5 + part_files(wildcards, input)[2] * 0.9 / 60 * 3


def feature_dims(representation):
    return _representations.get(representation).dims(representation_params(representation))


def sample_mem_mb(wildcards, input):
    """Manifests and file offsets in memory; features are never read here."""
    return 800 + 0.01 * sum(map(tsv_rows, input.manifests))


def sample_runtime(wildcards, input):
    """Minutes: reading manifests, offsets and the chosen windows' energy."""
    return 5 + sum(map(tsv_rows, input.manifests)) / 10000


def umap_mem_mb(wildcards, input):
    """Gathered windows (float32) plus UMAP's graph and working copies, with headroom."""
    points = tsv_rows(input.sample)
    data_mb = points * int(wildcards.stack) * feature_dims(wildcards.representation) * 4 / 1e6
    return 1500 + 3 * data_mb + points * 0.02


def umap_runtime(wildcards, input):
    """Minutes, growing with windows x stack (26,000 windows of stack 10 took 44 s here)."""
    return 10 + tsv_rows(input.sample) * int(wildcards.stack) / 2000


def plot_mem_mb(wildcards, input):
    return 800 + 0.005 * tsv_rows(input[0])


def plot_runtime(wildcards, input):
    return 5 + tsv_rows(input[0]) / 20000


def external_colours():
    """Plot colour of each external dataset that sets one."""
    return {d: DATASETS[d]["colour"] for d in EXTERNAL if "colour" in DATASETS[d]}


# ---- targets -------------------------------------------------------------------------------
def plot_targets(representation, stack):
    base = f"results/plots/{representation}/stack{stack}"
    targets = [f"{base}/global.png"]
    for device, sections in DEVICE_SECTIONS.items():
        targets.append(f"{base}/{device}.png")
        targets += [f"{base}/{device}_section_{s}.png" for s in sections]
    return targets


def all_targets():
    targets = [f"results/reports/{d}.excluded.tsv" for d in DATASETS]
    for representation in REPRESENTATIONS:
        for stack in STACKS:
            targets += plot_targets(representation, stack)
    return targets
