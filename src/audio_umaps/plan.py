"""What the workflow makes, decided in one place.

A :class:`Plan` is built from the validated configuration and the dataset folders (names only:
no audio is opened). It owns

* the datasets, their kind, root and the audio files found under it;
* the devices and their sections (from the DCASE folder and file names found);
* the feature *parts* of each dataset (a device of a DCASE dataset, a slice of a ``folder``
  dataset) and the files of each;
* the *scopes* (each device, and ``global``), which stores each draws from at each stack, and
  the caps of its sampling;
* the maps (representation x stack) of each scope, and the devices whose metrics a scope shows.

It knows no path of the workflow's own files: each rule file names its outputs, and the thin
input functions of ``workflow/rules/common.smk`` expand them over what a plan lists (its
``get_final_output`` builds the targets of ``rule all`` so). Sampling receives a scope's stores
and caps from them and never re-derives membership.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import naming, representations
from .manifest import DCASE_KINDS, KINDS, declarable, edition_of, folder_part, folder_parts, list_audio
from .naming import FileNameError, ground_truth_tables, read_ground_truth
from .predictions import submission_files
from .representations import REGISTRY

GLOBAL = "global"
L3 = "l3"  # computed by its own rule (features_l3), in its own environment
SPECTRAL_KINDS = ("stft", "mel", "tkeo")  # computed together by rule features


class PlanError(ValueError):
    """A dataset folder or entry the workflow cannot use; the message names the config key."""


@dataclass(frozen=True)
class Dataset:
    """One configured dataset and the audio files found under its root."""

    name: str
    kind: str
    root: str
    files: tuple[str, ...]  # audio files below root the jobs can declare (relative, '/'-separated), sorted
    parts: dict[str, tuple[str, ...]]  # feature part -> its files (relative to root)
    sections: dict[str, tuple[str, ...]] = field(default_factory=dict)  # device (safe name) -> sections
    ground_truth: str | None = None
    colour: str | None = None
    entry: dict = field(default_factory=dict)  # the config entry, defaults filled in
    edition: str | None = None  # DCASE edition its names are read as
    device_names: dict[str, str] = field(default_factory=dict)  # safe name -> folder name
    # device (safe name) -> {section: labelled test files}, as the names found (and the ground
    # truth) say, files that are left out later included: what an official score must cover
    test_files: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def external(self) -> bool:
        """Whether the dataset is external data (drawn as shadows), not DCASE devices."""
        return self.kind == "folder"

    def paths(self, part: str | None = None) -> list[str]:
        """Paths (root joined) of the files of one part, or of every file."""
        rels = self.files if part is None else self.parts[part]
        return [(Path(self.root) / rel).as_posix() for rel in rels]

    def ground_truth_tables(self) -> list[str]:
        """The ground-truth files the manifest reads (:func:`audio_umaps.naming.ground_truth_tables`)."""
        if not self.ground_truth:
            return []
        return [t.as_posix() for t in ground_truth_tables(self.ground_truth)]


def scan_dataset(name: str, entry: dict, demo: bool = False) -> Dataset:
    """List a dataset's audio files and decide its parts (and, for DCASE data, its edition,
    devices and sections) from the names found. Raises :class:`PlanError` naming the key when
    the folder is missing, or when a DCASE dataset holds audio but no file follows its
    edition's names; ``demo`` says that the config's demo block writes this dataset (the
    message then says how)."""
    kind, root = entry["kind"], entry["root"]
    if kind not in KINDS:
        raise PlanError(f"datasets.{name}.kind: '{kind}' is none of {', '.join(KINDS)}")
    if not Path(root).is_dir():
        how = (
            " It is the demo's data: run bin/demo (or python -m audio_umaps.demo --configfile "
            "<your config>) first, which writes it."
            if demo
            else ""
        )
        raise PlanError(
            f"datasets.{name}.root: folder '{root}' does not exist. Point it at the dataset in "
            f"config/config.yaml (or your --configfile), or remove the '{name}' entry.{how}"
        )
    files = tuple(f for f in list_audio(root) if declarable(f))  # the manifest reports the rest
    truth = entry.get("ground_truth")
    if truth and not Path(truth).exists():
        raise PlanError(
            f"datasets.{name}.ground_truth: '{truth}' does not exist. Point it at the folder "
            "holding the ground truth (ground_truth_<device>_section_<SS>_test.csv tables, or "
            "the ground_truth_data/, ground_truth_domain/, ground_truth_attributes/ folders; "
            "DCASE 2020: eval_data_list.csv), or remove the key."
        )
    parts: dict[str, list[str]] = {}
    sections: dict[str, set[str]] = {}
    test_files: dict[str, dict[str, int]] = {}
    device_names: dict[str, str] = {}
    edition = None
    if kind in DCASE_KINDS:
        edition = edition_of(kind, files)
        try:
            labels = read_ground_truth(truth) if truth else {}
        except ValueError:
            labels = {}  # (the manifest job names the bad row)
        for rel in files if edition else ():
            try:
                parsed = naming.parse(rel, edition)
            except FileNameError:
                continue  # the manifest step reports it
            device = naming.safe_name(parsed.device)
            device_names[device] = parsed.device
            parts.setdefault(device, []).append(rel)
            sections.setdefault(device, set()).add(parsed.section)
            label = (
                parsed.label
                if parsed.label != "unknown"
                else labels.get((parsed.device, Path(rel).name), {}).get("label", "unknown")
            )
            if parsed.split == "test" and label in ("normal", "anomaly"):
                counts = test_files.setdefault(device, {})
                counts[parsed.section] = counts.get(parsed.section, 0) + 1
        if files and not parts:
            expected = [naming.EXPECTED[naming.layout(edition)]] if edition else list(naming.EXPECTED.values())
            raise PlanError(
                f"datasets.{name}: no file under '{root}' follows the DCASE "
                f"{edition or '2020-2025'} names (kind '{kind}'); expected "
                + " or ".join(expected)
                + f"; found e.g. '{files[0]}'. Set 'kind' to the "
                "edition of the data (dcase detects it), or 'kind: folder' for other audio."
            )
    else:
        jobs = int(entry.get("jobs", 1))
        parts = {part: [] for part in folder_parts(jobs)}
        for rel in files:
            parts[folder_part(rel, jobs)].append(rel)
    return Dataset(
        name=name,
        kind=kind,
        root=str(root),
        files=files,
        parts={p: tuple(f) for p, f in sorted(parts.items())},
        sections={d: tuple(sorted(s)) for d, s in sorted(sections.items())},
        ground_truth=truth,
        colour=entry.get("colour"),
        entry=dict(entry),
        edition=edition,
        device_names=device_names,
        test_files={d: dict(sorted(c.items())) for d, c in sorted(test_files.items())},
    )


def check_submission_folder(system: str, folder: str) -> None:
    """Raise :class:`PlanError` naming the key ``predictions.<system>`` when its folder does
    not exist or is no folder."""
    key = f"predictions.{system}"
    fix = (
        f"Point it at the folder of the system's submission files (anomaly_score_<machine>_"
        f"section_<SS>_test.csv, ...) in config/config.yaml (or your --configfile), or remove "
        f"the key '{key}'."
    )
    if not Path(folder).exists():
        raise PlanError(f"{key}: folder '{folder}' does not exist. {fix}")
    if not Path(folder).is_dir():
        raise PlanError(f"{key}: '{folder}' is a file, not a folder. {fix}")


class Plan:
    """Datasets, devices, sections, parts, scopes and targets of one configuration.

    Parameters
    ----------
    config : dict
        The validated configuration (:func:`audio_umaps.config.check`).
    datasets : dict of str to Dataset, optional
        Already scanned datasets; by default each configured one is scanned
        (:func:`scan_dataset`), relative to the current working directory.
    """

    def __init__(self, config: dict, datasets: dict[str, Dataset] | None = None):
        self.config = config
        self.representations: list[str] = list(config["representations"])
        given = config.get("representation_params") or {}
        self.params: dict[str, dict] = {}  # name -> its kind's parameters (with "kind")
        self.windowings: dict[str, str] = {}
        try:
            for name in self.representations:
                self.params[name] = representations.params(name, given.get(name))
                self.windowings[name] = representations.windowing(name, given.get(name))
        except ValueError as exc:
            said = str(exc)
            raise PlanError(f"config key 'representations': {said}" if said.startswith("unknown") else said) from None
        for name in self.representations:
            if self.kind(name) == L3 and name != L3:
                raise PlanError(
                    f"config key 'representation_params.{name}.kind': OpenL3 is the representation "
                    f"named 'l3' (its weights: config key 'l3'); name it l3"
                )
            # parameters a kind can check before any job runs (an ONNX model against its file,
            # an embeddings folder, TKEO's filter bank at the audio's rate)
            module = representations.get(self.kind(name))
            try:
                if self.kind(name) == "tkeo":
                    module.check(
                        self.params[name], name, sample_rate=(config.get("audio") or {}).get("sample_rate", 16000)
                    )
                elif hasattr(module, "check"):
                    module.check(self.params[name], name)
            except ValueError as exc:
                raise PlanError(str(exc)) from None
        for name in (config.get("neighbours") or {}).get("pca") or {}:
            if name not in REGISTRY and name not in self.representations:
                raise PlanError(
                    f"config key 'neighbours.pca.{name}': unknown representation '{name}'; "
                    f"known: {', '.join(sorted(set(REGISTRY) | set(self.representations)))}"
                )
        self.stacks: list[int] = [int(s) for s in config["stacks"]]
        if datasets is None:
            demo = config.get("demo") or {}
            written_by_demo = {demo.get("dcase_dataset"), demo.get("external_dataset")}
            datasets = {
                name: scan_dataset(name, entry, demo=name in written_by_demo)
                for name, entry in config["datasets"].items()
            }
        self.datasets = datasets
        sections: dict[str, set[str]] = {}
        self.device_names: dict[str, str] = {}  # safe name (wildcards, paths) -> folder name
        for dataset in self.datasets.values():
            for device, found in dataset.sections.items():
                sections.setdefault(device, set()).update(found)
            self.device_names.update(dataset.device_names)
        self.sections: dict[str, list[str]] = {d: sorted(s) for d, s in sorted(sections.items())}
        if not self.sections and not self.external:
            raise PlanError("config 'datasets' names no dataset with audio: there is nothing to map")
        for system, folder in self.systems.items():
            check_submission_folder(system, folder)

    # ---- what exists -------------------------------------------------------------------------
    @property
    def devices(self) -> list[str]:
        """The devices' safe names (as wildcards and paths carry them), sorted."""
        return list(self.sections)

    def device_name(self, device: str) -> str:
        """The folder name of a device, from its safe name."""
        return self.device_names.get(device, device)

    @property
    def external(self) -> list[str]:
        """Names of the external (``folder``) datasets."""
        return [name for name, d in self.datasets.items() if d.external]

    @property
    def folder_only(self) -> bool:
        """Whether the run has no DCASE device: each ``folder`` dataset is then a scope of its
        own, and the global scope maps them all."""
        return not self.sections

    @property
    def folders(self) -> list[str]:
        """The ``folder`` datasets that are scopes of their own (in a folder-only run)."""
        return self.external if self.folder_only else []

    @property
    def scopes(self) -> list[str]:
        """Every device (or, in a folder-only run, every folder dataset), then ``global``."""
        return self.devices + self.folders + [GLOBAL]

    @property
    def spectral(self) -> list[str]:
        """The stores' representations of the kinds computed from the audio on the CPU
        (log-STFT, log-mel, TKEO; :meth:`stored_of_kind`): one job per dataset part writes them
        all from one decoding of each file (and one STFT for log-STFT and log-mel)."""
        return [r for kind in SPECTRAL_KINDS for r in self.stored_of_kind(kind)]

    def store_of(self, representation: str) -> str:
        """The representation whose feature stores a representation's windows are read from:
        the first one in config order of the same kind and parameters (names that differ only
        in ``windowing``, e.g. ``mel`` and ``mel_mean: {kind: mel, windowing: mean}``, share one
        set of stores, computed once)."""
        params = self.params[representation]
        return next(r for r in self.representations if self.params[r] == params)

    def stored_of_kind(self, kind: str) -> list[str]:
        """The representations of a kind that have feature stores of their own (config order)."""
        return [r for r in self.of_kind(kind) if self.store_of(r) == r]

    def kind(self, representation: str) -> str:
        """The kind of a representation (``stft``, ``mel``, ``l3``, ``tkeo``, ``onnx``,
        ``embeddings``)."""
        return self.params[representation]["kind"]

    def of_kind(self, kind: str) -> list[str]:
        """The representations of a kind, in config order."""
        return [r for r in self.representations if self.kind(r) == kind]

    def windowing(self, representation: str) -> str:
        """How a window of the representation's frames becomes one vector (``stack``,
        ``mean``, ``meanstd``; its ``windowing`` key)."""
        return self.windowings[representation]

    def clip_level(self, representation: str) -> bool:
        """Whether the representation has one vector per file (then its only map is stack 1)."""
        return representations.clip_level(self.params[representation])

    def stacks_of(self, representation: str) -> list[int]:
        """The stacks of a representation's maps: the config's, or [1] for one vector per file."""
        return [1] if self.clip_level(representation) else self.stacks

    def pca(self, representation: str) -> int | None:
        """PCA components the windows of ``representation`` are reduced to before the neighbour
        search and UMAP (config key ``neighbours.pca``); None for none."""
        return ((self.config.get("neighbours") or {}).get("pca") or {}).get(representation)

    @property
    def systems(self) -> dict[str, str]:
        """``{system: submission folder}`` of the config key ``predictions``."""
        return dict(self.config.get("predictions") or {})

    def submission_files(self, system: str) -> list[str]:
        """The CSV files of a system's submission folder that a job can declare (its
        predictions job reports any it cannot declare; a missing folder stops the run when the
        plan is made)."""
        return [f for f in submission_files(self.systems[system]) if declarable(Path(f).name)]

    @property
    def measured(self) -> bool:
        """Whether the run has metrics: only DCASE devices have labelled test data."""
        return bool(self.sections)

    def parts(self, dataset: str) -> list[str]:
        return list(self.datasets[dataset].parts)

    def part_files(self, dataset: str, part: str) -> list[str]:
        """The audio files one feature job reads."""
        return self.datasets[dataset].paths(part)

    def colours(self) -> dict[str, str]:
        """Plot colour of each external dataset that sets one."""
        return {d: self.datasets[d].colour for d in self.external if self.datasets[d].colour}

    # ---- scopes ------------------------------------------------------------------------------
    def includes_external(self, scope: str, stack: int) -> bool:
        """Whether a scope draws external data at a stack (not for global scopes listed in
        ``sampling.global_without_external_at_stacks``, unless external data is all there is)."""
        without = self.config["sampling"].get("global_without_external_at_stacks", [])
        return self.folder_only or not (scope == GLOBAL and int(stack) in without)

    def members(self, stack: int, scope: str) -> list[tuple[str, str]]:
        """The ``(dataset, part)`` pairs a scope draws from at a stack: its device's parts
        (every device's, for ``global``), plus the external datasets' parts; in a folder-only
        run, a folder dataset's scope draws from that dataset alone."""
        self._check_scope(scope)
        chosen = []
        for name, dataset in self.datasets.items():
            if scope in self.folders:
                parts = list(dataset.parts) if name == scope else []
            elif dataset.external:
                parts = list(dataset.parts) if self.includes_external(scope, stack) else []
            else:
                parts = [p for p in dataset.parts if scope in (GLOBAL, p)]
            chosen += [(name, part) for part in parts]
        return chosen

    def evaluated_sections(self, device: str) -> dict[str, dict[str, dict[str, int]]]:
        """``{dataset: {device's folder name: {section: labelled test files}}}`` of a device in
        each DCASE dataset, as the names found and the ground truth say (files left out later
        included). An official score covers them all, or says what it misses
        (:func:`audio_umaps.scoring.official`)."""
        return {
            name: {self.device_name(device): dict(d.test_files[device])}
            for name, d in self.datasets.items()
            if device in d.test_files
        }

    def evaluated_files(self) -> dict[str, dict[str, dict[str, int]]]:
        """:meth:`evaluated_sections` of every device."""
        out: dict[str, dict] = {}
        for device in self.devices:
            for name, counts in self.evaluated_sections(device).items():
                out.setdefault(name, {}).update(counts)
        return out

    def ground_truths(self) -> dict[str, str]:
        """``{dataset: ground truth path}`` of the DCASE datasets that have one."""
        return {
            d: dataset.ground_truth
            for d, dataset in self.datasets.items()
            if not dataset.external and dataset.ground_truth
        }

    def ground_truth_tables(self) -> list[str]:
        """Every ground-truth file of the DCASE datasets (what :meth:`ground_truths` reads)."""
        return [t for dataset in self.datasets.values() for t in dataset.ground_truth_tables()]

    def dcase_sections(self) -> dict[str, dict[str, list[str]]]:
        """``{dataset: {device: [sections]}}`` of the DCASE datasets, as their file names show
        them (files that are left out later included)."""
        return {
            d: {device: list(found) for device, found in dataset.sections.items()}
            for d, dataset in self.datasets.items()
            if not dataset.external
        }

    def section_datasets(self, device: str, section: str) -> list[str]:
        """The DCASE datasets whose file names hold a section of a device."""
        return [d for d, dataset in self.datasets.items() if section in dataset.sections.get(device, ())]

    @property
    def dcase_datasets(self) -> list[str]:
        """Names of the DCASE datasets (every dataset but the external ones)."""
        return [name for name, d in self.datasets.items() if not d.external]

    def device_datasets(self, device: str) -> list[str]:
        """The DCASE datasets that hold ``device``."""
        return [name for name, d in self.datasets.items() if device in d.sections]

    def scope_devices(self, scope: str) -> list[str]:
        """The devices whose metrics a scope's maps show: the device itself, every device for
        ``global``; none for a folder scope, or in a run without DCASE devices."""
        self._check_scope(scope)
        if not self.measured or scope in self.folders:
            return []
        return self.devices if scope == GLOBAL else [scope]

    def scope_datasets(self, stack: int, scope: str) -> list[str]:
        """The datasets a scope draws from, sorted."""
        return sorted({d for d, _ in self.members(stack, scope)})

    def caps(self, scope: str) -> dict[str, int]:
        """Most windows per group of each split (``test``, ``train``, ``external``), and per file
        of an external group (``external_per_file``, None for no cap)."""
        self._check_scope(scope)
        return dict(self.config["sampling"]["global" if scope == GLOBAL else "device"])

    def _check_scope(self, scope: str):
        if scope not in self.scopes:
            raise PlanError(f"unknown scope '{scope}'; scopes: {', '.join(self.scopes)}")

    # ---- maps ----------------------------------------------------------------------------------
    def maps(self) -> list[tuple[str, int]]:
        """``(representation, stack)`` of every map of a scope, in page order."""
        return [(r, s) for r in self.representations for s in self.stacks_of(r)]

    def scope_audio(self, scope: str) -> list[str]:
        """Every audio file a scope's maps may draw a window from (at any stack): the explorer
        cuts its clips from them."""
        stacks = dict.fromkeys(s for _, s in self.maps())
        members = dict.fromkeys(m for s in stacks for m in self.members(s, scope))
        return [path for dataset, part in members for path in self.part_files(dataset, part)]
