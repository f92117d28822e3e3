"""Thin Hydra entry point: ``python -m analysis.run [overrides]`` (or ``framelens run``).

All work happens in :func:`analysis.pipeline.run_pipeline`; notebooks call that directly
with a config composed by :func:`compose_config`.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from analysis.errors import FramelensError
from analysis.pipeline import configure_logging, log, run_pipeline

CONFIG_DIR = str(Path(__file__).resolve().parent.parent / "configs")


def compose_config(overrides: list[str] | None = None) -> DictConfig:
    """Compose ``configs/config.yaml`` with overrides, as the command line would.

    Inside ``framelens run`` (a Hydra app on the same config folder, e.g. when a feature
    composes the classifier task it trains) Hydra is already set up: compose with it."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    if GlobalHydra.instance().is_initialized():
        return compose(config_name="config", overrides=list(overrides or []))
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides or []))


@hydra.main(config_path=CONFIG_DIR, config_name="config", version_base="1.3")
def main(cfg: DictConfig) -> None:
    configure_logging()
    hc = HydraConfig.get()
    out_dir = hc.runtime.output_dir if hc.mode == RunMode.MULTIRUN else None
    command = "framelens run " + " ".join(shlex.quote(o) for o in hc.overrides.task)
    try:
        result = run_pipeline(cfg, out_dir=out_dir, command=command.strip())
    except FramelensError as exc:
        if os.environ.get("FRAMELENS_DEBUG") == "1":
            raise
        sys.stderr.write(f"framelens: error: {exc}\n")
        sys.exit(exc.exit_code)
    log.info("outputs in %s (%.1f s)", result.out_dir, result.seconds)


if __name__ == "__main__":
    main()
