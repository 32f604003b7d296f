"""Pattern-oriented validation (MODEL.md section 7): each stylized fact as a replicated experiment.

Every effect is the mean paired difference over 24 common-random-number replications of a small
organisation (682 people, 104 weeks), averaged over the second year; a pattern holds when the
95% interval of every effect it names excludes zero in the expected direction. The survey
figures E1-E5 are loose bands around the default organisation (see docs/VALIDATION.md).
"""

import pytest

from sim import validation


@pytest.mark.slow
@pytest.mark.parametrize("key", list(validation.STYLIZED_FACTS))
def test_stylized_fact(key):
    pattern = validation.STYLIZED_FACTS[key]()
    for effect in pattern.effects:
        lo, hi = effect.interval
        assert effect.holds, (f"{key} {pattern.title}: {effect.label} = {effect.mean:+.4f} "
                              f"[{lo:+.4f}, {hi:+.4f}], expected {effect.expected}")


@pytest.mark.slow
@pytest.mark.parametrize("organisation", ["defaults", "baseline scenario"])
def test_survey_figures_E1_to_E5(organisation):
    base = validation.baseline_kwargs() if organisation == "baseline scenario" else None
    figures = validation.survey_figures(base=base)
    failing = [f"{f.key}: {f.values} vs {f.target}" for f in figures if not f.holds]
    assert not failing, failing

