import csv
import importlib.util
import os
import re
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.logging import logger
from snakemake.utils import validate

from audio_umaps import config as _config
from audio_umaps import plan as _plan
from audio_umaps import representations as _representations
from audio_umaps.representations import onnx as _onnx
from audio_umaps.representations import embeddings as _embeddings
from audio_umaps import resources as _resources
from audio_umaps import umap as _umap
from audio_umaps import weights as _weights

# The conda environments (--sdm conda) install this checkout's audio_umaps package: their pip
# sections name it as ${AUDIO_UMAPS_SOURCE}, which pip expands from the environment.
os.environ.update(AUDIO_UMAPS_SOURCE=str(Path(workflow.basedir).parent))


# ---- configuration and the plan: what exists, decided once --------------------------------
# The config is validated against workflow/schemas/config.schema.yaml (Snakemake's validate(),
# which fills in the schema's defaults); when it fails, every problem is named by its key.
try:
    validate(config, "../schemas/config.schema.yaml")
except WorkflowError:
    raise WorkflowError(_config.report(config)) from None
try:
    _config.fill_defaults(config)
    _problems = _umap.check_params(config["umap"])
    if _problems:
        raise _config.ConfigError("\n".join(_problems))
    PLAN = _plan.Plan(config)
except (_config.ConfigError, _plan.PlanError) as _exc:
    raise WorkflowError(str(_exc)) from None


# ---- L3 weights: checked now, fetched (when allowed) before the first job runs ---------------
L3 = _plan.L3
L3_WEIGHTS = None


def uses_conda():
    """Whether jobs run in their own conda environments (--sdm conda)."""
    settings = workflow.deployment_settings
    return settings is not None and any(
        m.name == "CONDA" for m in settings.deployment_method
    )


def importable(module):
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


if L3 in PLAN.representations:
    L3_WEIGHTS = _weights.locate(
        config["l3"],
        _representations.params(L3, config["representation_params"].get(L3)),
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


def for_representations(pattern, representations):
    """``pattern`` for each of ``representations``, its other wildcards kept."""
    return expand(pattern, representation=representations, allow_missing=True)


def representation_params(representation):
    """The parameters of a representation's kind (with ``kind``), as its feature job gets them:
    for l3 the resolved weights file, for an ONNX model its file's checksum (a changed model
    reruns its feature jobs)."""
    params = dict(PLAN.params[representation])
    if params["kind"] == "onnx":
        params["sha256"] = ONNX_SHA256[params["model"]]
    if representation == L3:
        params["weights"] = str(L3_WEIGHTS.path)
    return params


onstart:
    if L3_WEIGHTS is not None and not L3_WEIGHTS.present:
        logger.info(f"downloading L3 weights to {L3_WEIGHTS.path}")
        try:
            _weights.fetch(L3_WEIGHTS, representation_params(L3))
        except _weights.WeightsError as _exc:
            raise WorkflowError(str(_exc)) from None


# ---- ONNX models: checksummed once when the workflow is parsed -------------------------------
ONNX_SHA256 = {
    PLAN.params[r]["model"]: _onnx.model_sha256(PLAN.params[r]["model"])
    for r in PLAN.of_kind("onnx")
}


def one_of(names):
    """A wildcard constraint matching exactly one of ``names`` (none: matches nothing)."""
    return "|".join(map(re.escape, names)) or "(?!)"


wildcard_constraints:
    dataset=one_of(PLAN.datasets),
    representation=one_of(PLAN.representations),
    stack=r"\d+",
    scope=one_of(PLAN.scopes),
    section=r"\d+",
    system=one_of(PLAN.systems),
    part=r"[A-Za-z0-9_.~-]+",


# ---- inputs of rules: thin functions over the plan and the rules' own outputs ---------------
def dataset_audio(wildcards):
    """Every audio file of a dataset, and its ground-truth tables: what the manifest reads."""
    dataset = PLAN.datasets[wildcards.dataset]
    return dataset.paths() + dataset.ground_truth_tables()


def part_audio(wildcards):
    """The audio files one feature job reads."""
    return PLAN.part_files(wildcards.dataset, wildcards.part)


def manifests(datasets):
    return expand(rules.manifest.output.manifest, dataset=datasets)


def scope_manifests(wildcards):
    """The manifests of the datasets a scope draws from at a stack."""
    return manifests(PLAN.scope_datasets(int(wildcards.stack), wildcards.scope))


def device_manifests(wildcards):
    """The manifests of the DCASE datasets that hold a device (the scope)."""
    return manifests(PLAN.device_datasets(wildcards.scope))


def dcase_manifests(wildcards):
    return manifests(PLAN.dcase_datasets)


def dcase_excluded_reports(wildcards):
    """The exclusion reports of the DCASE datasets: with their manifests, what tells which
    sections lost every file."""
    return expand(rules.excluded_report.output[0], dataset=PLAN.dcase_datasets)


def feature_store(dataset, representation, part):
    return FEATURE_STORE.format(
        dataset=dataset, representation=representation, part=part
    )


def scope_stores(wildcards):
    """{(dataset, part): store} of every feature store a scope draws from at a stack (the
    stores of the representation's kind and parameters: PLAN.store_of)."""
    stored = PLAN.store_of(wildcards.representation)
    return {
        (dataset, part): feature_store(dataset, stored, part)
        for dataset, part in PLAN.members(int(wildcards.stack), wildcards.scope)
    }


def device_stores(wildcards):
    """{(dataset, part): store} of a device's DCASE data (no external data): what its
    metrics read."""
    return {
        (dataset, part): store
        for (dataset, part), store in scope_stores(wildcards).items()
        if not PLAN.datasets[dataset].external
    }


def feature_exclusions(wildcards):
    """The files each feature job of a dataset left out."""
    dataset = wildcards.dataset
    return [
        FEATURE_EXCLUDED.format(dataset=dataset, representation=r, part=p)
        for r in dict.fromkeys(map(PLAN.store_of, PLAN.representations))
        for p in PLAN.parts(dataset)
    ]


def device_feature_exclusions(wildcards):
    """The files left out of a device's feature stores of a representation, one table per
    DCASE dataset holding the device (written with the stores its map is drawn from)."""
    return [
        FEATURE_EXCLUDED.format(
            dataset=d,
            representation=PLAN.store_of(wildcards.representation),
            part=wildcards.scope,
        )
        for d in PLAN.device_datasets(wildcards.scope)
    ]


def umap_statuses(wildcards):
    """The status file of every UMAP of the run (its windows, or why it was skipped)."""
    return expand(rules.umap.output.status, zip, **map_wildcards(PLAN.scopes))


def map_wildcards(scopes):
    """{representation, stack, scope: lists} of every map of ``scopes`` (PLAN.maps(): a
    representation with one vector per file has stack 1 only), for ``expand(..., zip, ...)``.
    """
    found = [(r, s, scope) for scope in scopes for r, s in PLAN.maps()]
    return {
        key: [f[i] for f in found]
        for i, key in enumerate(("representation", "stack", "scope"))
    }


def scope_maps(wildcards, which="umap"):
    """The UMAP table (``which="status"``: its status) of each of a scope's maps, in
    PLAN.maps() order (representation, then stack)."""
    return [
        getattr(rules.umap.output, which).format(
            representation=r, stack=s, scope=wildcards.scope
        )
        for r, s in PLAN.maps()
    ]


def scope_statuses(wildcards):
    return scope_maps(wildcards, "status")


def scope_scores(wildcards):
    """{"<representation>_stack<stack>": [metrics file tables]} whose per-file scores a
    scope's maps show: its device's (every device's, for global); none without metrics.
    """
    devices = PLAN.scope_devices(wildcards.scope)
    return {
        f"{r}_stack{s}": expand(
            rules.metrics.output.files, representation=r, stack=s, scope=devices
        )
        for r, s in PLAN.maps()
    }


def scope_score_tables(wildcards):
    return [t for tables in scope_scores(wildcards).values() for t in tables]


def system_predictions(wildcards):
    """{system: its file scores} of every system of config key predictions."""
    return {s: rules.predictions.output.files.format(system=s) for s in PLAN.systems}


def system_scores(wildcards):
    """{system: its official scores} of every system of config key predictions."""
    return {s: rules.predictions.output.scores.format(system=s) for s in PLAN.systems}


def metric_tables(wildcards):
    """The tidy metrics table of every representation x stack x device."""
    return expand(rules.metrics.output.table, zip, **map_wildcards(PLAN.devices))


def device_scores(wildcards):
    """{"points": the device's points table of the metrics stage} when config key
    plots.colour_by_system names a system (its scores colour the device plot); {} otherwise,
    leaving the plot job as it was."""
    if config["plots"].get("colour_by_system") is None:
        return {}
    return {"points": rules.metrics.output.points.format(**wildcards)}


def scope_subject(scope):
    """What a scope's pages are titled by: a device's folder name, or all devices / folders."""
    if scope == _plan.GLOBAL:
        return "All devices" if PLAN.sections else "All folders"
    return PLAN.device_name(scope)


def existing_benchmarks(wildcards):
    """{rule: [its jobs' benchmark files]} of every job run so far (results/benchmarks/ as it
    is), but the summary's own."""
    found = {}
    for path in sorted(Path("results/benchmarks").glob("**/*.tsv")):
        step = path.relative_to("results/benchmarks").parts[0]
        if step != "benchmark_summary.tsv":
            found.setdefault(Path(step).stem, []).append(str(path))
    return found


# ---- the targets of `rule all` -----------------------------------------------------------------
def get_final_output():
    """Everything a full run makes: each dataset's exclusion report, every plot, the metrics
    summary, official table and figures (with DCASE devices), each scope's explorer and their
    index, and the list of skipped maps. (The benchmark summary is a target of its own.)
    """
    targets = expand(rules.excluded_report.output[0], dataset=PLAN.datasets)
    targets += expand(rules.plot_global.output[0], zip, **map_wildcards([_plan.GLOBAL]))
    targets += expand(rules.plot_device.output[0], zip, **map_wildcards(PLAN.devices))
    targets += [
        rules.plot_section.output[0].format(
            representation=r, stack=s, scope=device, section=section
        )
        for device, sections in PLAN.sections.items()
        for r, s in PLAN.maps()
        for section in sections
    ]
    targets += expand(rules.plot_folder.output[0], zip, **map_wildcards(PLAN.folders))
    if PLAN.measured:
        targets += list(rules.metrics_summary.output)
    targets += expand(rules.explore.output[0], scope=PLAN.scopes)
    targets += list(rules.explore_index.output)
    targets += list(rules.skipped_report.output)
    return targets


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


def test_and_train_files(manifests, device):
    """(test files, train files, longest file in s) of a device, from its manifests."""
    test = train = 0
    longest = 0.0
    for manifest in manifests:
        with open(manifest, newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                if row["part"] == device:
                    test += row["split"] == "test"
                    train += row["split"] == "train"
                    longest = max(longest, float(row["duration"]))
    return test, train, longest


def frame_rate(representation):
    """Frames a second of a representation (one vector per file: one a second, an upper
    bound for files of a second or longer)."""
    params = PLAN.params[representation]
    if PLAN.clip_level(representation):
        return 1.0
    if params.get("hop_seconds"):
        return 1.0 / params["hop_seconds"]
    return config["audio"]["sample_rate"] / params["hop_length"]


def feature_dims(representation):
    """Features per frame (the estimates size stacked windows: an upper bound for pooled ones,
    windowing mean or meanstd)."""
    params = PLAN.params[representation]
    return _representations.module_of(params).dims(params)


DEFAULT_CHUNK_FRAMES = _representations.l3.DEFAULTS["chunk_frames"]


def embedding_files(wildcards):
    """The embedding files of the audio files of one part of a dataset that exist (a missing
    one is reported by the job, which then leaves its audio file out)."""
    root = PLAN.params[wildcards.representation]["root"]
    found = (
        _embeddings.locate(root, wildcards.dataset, relpath)
        for relpath in PLAN.datasets[wildcards.dataset].parts[wildcards.part]
    )
    return [str(p) for p in found if p is not None]


# What each kind of job reads, turned into an Estimate(mem_mb, runtime) by audio_umaps.resources.
ESTIMATES = {
    "features": lambda wildcards, input: _resources.features(
        *part_files(wildcards, input)[1:]
    ),
    "l3": lambda wildcards, input: _resources.l3(
        *part_files(wildcards, input)[1:], representation_params(L3)["chunk_frames"]
    ),
    # an ONNX model's cost is the model's: sized like L3 (about 1 s of CPU a second of audio)
    "onnx": lambda wildcards, input: _resources.l3(
        *part_files(wildcards, input)[1:], DEFAULT_CHUNK_FRAMES
    ),
    "embeddings": lambda wildcards, input: _resources.features(
        *part_files(wildcards, input)[1:]
    ),
    "sample": lambda wildcards, input: _resources.sample(
        sum(map(tsv_rows, input.manifests))
    ),
    "umap": lambda wildcards, input: _resources.umap(
        tsv_rows(input.sample),
        int(wildcards.stack),
        feature_dims(wildcards.representation),
        PLAN.pca(wildcards.representation),
    ),
    "plot": lambda wildcards, input: _resources.plot(tsv_rows(input.umap)),
    "explore_clips": lambda wildcards, input: _resources.explore_clips(
        max(map(tsv_rows, input.umaps), default=0),
        len(input.audio),
        explore_threads(wildcards),
        max(map(os.path.getsize, input.audio), default=0) / 1e6,
    ),
    # the pages: the explorer's estimate for its largest map
    "explore": lambda wildcards, input: _resources.explore(
        max(map(tsv_rows, input.umaps), default=0)
    ),
    "metrics": lambda wildcards, input: _resources.metrics(
        *test_and_train_files(input.manifests, wildcards.scope),
        int(wildcards.stack),
        feature_dims(wildcards.representation),
        frame_rate(wildcards.representation),
        config["metrics"],
        2 * len(PLAN.sections[wildcards.scope]),
    ),
}


def umap_threads(wildcards):
    """Threads of a UMAP job: two when its scope's caps allow a large sample (the neighbour
    search uses them) or the UMAP is unseeded (umap-learn's layout then runs in parallel); one
    for a small seeded one, whose single-threaded layout is all there is, so that such jobs run
    side by side. Decided from the config: a dry run has no sample to count."""
    caps = PLAN.caps(wildcards.scope)
    per_group = sum(caps.get(split) or 0 for split in ("test", "train", "external"))
    large = per_group >= _resources.UMAP_THREADS_FROM
    return 2 if large or config["umap"].get("seed") is None else 1


def explore_threads(wildcards):
    """Threads of a scope's clips job (explore_clips; clips are encoded side by side): enough
    for its audio files to be encoded in about four minutes (resources.explore_clips_threads;
    the demo's scopes: one). Decided from the plan's file lists: a dry run has no table.
    """
    return _resources.explore_clips_threads(len(PLAN.scope_audio(wildcards.scope)))


def metrics_threads(wildcards):
    """Threads of a metrics job: two (the neighbour search uses them) for a device of at least
    METRICS_THREADS_FROM files, one for a small one (the demo's: 57), whose jobs then run side
    by side. Decided from the plan's file lists: a dry run has no manifest to read."""
    files = sum(
        len(dataset.parts.get(wildcards.scope, ()))
        for dataset in PLAN.datasets.values()
        if not dataset.external
    )
    return 2 if files >= _resources.METRICS_THREADS_FROM else 1


def resource(job, name):
    """A rule's ``name`` resource (mem_mb or runtime) for a ``job`` kind of ESTIMATES, times the
    attempt: a job the cluster killed for memory or time is resubmitted with more (the SLURM
    profile sets ``retries``; locally a failing job is not retried)."""

    def request(wildcards, input, attempt):
        return _resources.on_attempt(
            getattr(ESTIMATES[job](wildcards, input), name), attempt
        )

    return request
