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
from audio_umaps import resources as _resources  # noqa: E402
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


def feature_dims(representation):
    return _representations.get(representation).dims(representation_params(representation))


# What each kind of job reads, turned into an Estimate(mem_mb, runtime) by audio_umaps.resources.
ESTIMATES = {
    "features": lambda wildcards, input: _resources.features(*part_files(wildcards, input)[1:]),
    "l3": lambda wildcards, input: _resources.l3(
        *part_files(wildcards, input)[1:], representation_params(L3)["chunk_frames"]
    ),
    "sample": lambda wildcards, input: _resources.sample(sum(map(tsv_rows, input.manifests))),
    "umap": lambda wildcards, input: _resources.umap(
        tsv_rows(input.sample), int(wildcards.stack), feature_dims(wildcards.representation)
    ),
    "plot": lambda wildcards, input: _resources.plot(tsv_rows(input[0])),
}
RETRIES = _resources.RETRIES


def resource(job, name):
    """A rule's ``name`` resource (mem_mb or runtime) for a ``job`` kind of ESTIMATES, times the
    attempt: a job the cluster killed for memory or time is resubmitted with more."""

    def request(wildcards, input, attempt):
        return _resources.on_attempt(getattr(ESTIMATES[job](wildcards, input), name), attempt)

    return request


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
