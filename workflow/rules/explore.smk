from audio_umaps import palette as _palette
from audio_umaps.explore import assets as _explore_assets

# A scope's clips (rule explore_clips) are kept apart from its pages (rule explore), so that
# remaking the pages (a changed template) never re-encodes audio.


rule explore_clips:
    """A scope's audio clips: for every file a sampled window of any of the scope's maps comes
    from, the span those windows need plus explore.margin, of the normalised signal at
    audio.sample_rate (Ogg Opus at explore.bitrate; FLAC at rates Opus does not take), and
    clips.tsv (which clip holds which file from which second, or why there is none). Threads:
    enough to encode its clips in about four minutes (resources.explore_clips_threads).
    """
    input:
        umaps=scope_maps,
        statuses=scope_statuses,
        audio=lambda wildcards: PLAN.scope_audio(wildcards.scope),
    output:
        directory("results/clips/{scope}"),
    log:
        "results/logs/explore_clips/{scope}.log",
    benchmark:
        "results/benchmarks/explore_clips/{scope}.tsv"
    conda:
        "../envs/explore.yaml"
    threads: explore_threads
    resources:
        mem_mb=resource("explore_clips", "mem_mb"),
        runtime=resource("explore_clips", "runtime"),
    params:
        maps=PLAN.maps(),
        representation_params={
            r: representation_params(r) for r in PLAN.representations
        },
        margin=config["explore"]["margin"],
        bitrate=config["explore"]["bitrate"],
        audio=config["audio"],
    script:
        "../scripts/explore_clips.py"


rule explore:
    """A scope's explorer: a page per representation x stack (canvas; hover, click to hear a
    window, select, list and hear a selection, linked highlight across the scope's maps), the
    maps' data, the scope's clips (hard links into its clips folder, or copies) and the
    explorer's scripts, in one self-contained
    folder that works opened from disk. Its templates and static files are inputs: changing one
    remakes the pages, not the clips."""
    input:
        umaps=scope_maps,
        statuses=scope_statuses,
        scores=scope_score_tables,
        clips=rules.explore_clips.output[0],
        assets=_explore_assets.files(),
    output:
        report(
            directory("results/explore/{scope}"),
            htmlindex="index.html",
            caption="../report/explore.rst",
            category="Explore",
            labels={"scope": "{scope}"},
        ),
    log:
        "results/logs/explore/{scope}.log",
    benchmark:
        "results/benchmarks/explore/{scope}.tsv"
    conda:
        "../envs/explore.yaml"
    threads: 1
    resources:
        mem_mb=resource("explore", "mem_mb"),
        runtime=resource("explore", "runtime"),
    params:
        maps=PLAN.maps(),
        scores=scope_scores,
        representation_params={
            r: representation_params(r) for r in PLAN.representations
        },
        windowing={r: PLAN.windowing(r) for r in PLAN.representations},
        systems=list(PLAN.systems),
        settings=config["explore"],
        sample_rate=config["audio"]["sample_rate"],
        subject=lambda wildcards: scope_subject(wildcards.scope),
        palette=_palette.from_plan(PLAN).as_json(),
        device=lambda wildcards: (
            PLAN.device_name(wildcards.scope)
            if wildcards.scope in PLAN.devices
            else None
        ),
    script:
        "../scripts/explore.py"


rule explore_index:
    """The index of every scope's explorer pages, and the list of scopes the pages link."""
    input:
        scopes=expand(rules.explore.output[0], scope=PLAN.scopes),
    output:
        index="results/explore/index.html",
        scopes="results/explore/scopes.js",
    log:
        "results/logs/explore_index.log",
    benchmark:
        "results/benchmarks/explore_index.tsv"
    conda:
        "../envs/explore.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "../scripts/explore_index.py"
