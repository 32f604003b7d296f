"""Write scenarios/surveys/example_pulse.csv: a SYNTHETIC pulse survey of the example client.

The example client's organisation (scenarios/surveys/example_client.yaml) is run for its horizon
with the parameter values below, and 80 managers and 320 employees, drawn at random, answer every
item as the observation model says (sim.calibrate.survey.sample_survey); respondents who gave the
same answers in the same level and department are one row with a count. Nothing here comes from
real people. Run from the repository root: python scripts/make_example_survey.py
"""

from pathlib import Path

import numpy as np

from sim.calibrate.survey import sample_survey
from sim.model import OrgModel
from sim.scenario import load_scenario

TRUE_VALUES = {"translation_noise": 0.6, "rationale": 0.25, "leadership_consistency": 0.5,
               "p_quit": 0.003, "base_load": 0.4}
SEED = 20261206
OUT = Path("scenarios/surveys/example_pulse.csv")

scenario = load_scenario("scenarios/surveys/example_client.yaml")
model_seed, sample_seed = np.random.SeedSequence(SEED).spawn(2)
model = OrgModel(np.random.default_rng(model_seed), **{**scenario.model_kwargs(), **TRUE_VALUES})
model.run(scenario.horizon)
answers = sample_survey(model, {"managers": 80, "employees": 320}, sample_seed)
names = [d.name for d in scenario.departments]
answers["department"] = [names[d % len(names)] for d in answers["department"]]
grouped = answers.groupby(list(answers.columns), sort=True).size().rename("count").reset_index()
OUT.write_text(grouped.to_csv(index=False), encoding="utf-8")
print(f"Wrote {OUT}: {len(grouped)} rows, {int(grouped['count'].sum())} respondents")
