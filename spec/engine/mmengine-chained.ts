/**
 * The oracle for the closed-form schedules: mmengine's schedulers stepped literally as `_ParamScheduler.step` and
 * each `_get_value` do (param_scheduler.py), recursively from the current lr, for one param group.
 */

export interface SchedulerCfg {
  type: 'LinearLR' | 'ConstantLR' | 'MultiStepLR' | 'PolyLR' | 'CosineAnnealingLR';
  begin?: number;
  end?: number;
  start_factor?: number;
  end_factor?: number;
  factor?: number;
  milestones?: number[];
  gamma?: number;
  eta_min?: number;
  power?: number;
  T_max?: number;
}

interface Stepping {
  cfg: SchedulerCfg;
  begin: number;
  end: number;
  lastStep: number;
  globalStep: number;
}

/** Python's `%` (the result has the divisor's sign). */
const pyMod = (a: number, n: number) => ((a % n) + n) % n;

/** `_get_value` of one scheduler at its `last_step` t, from the group's current lr and initial lr. */
function value(s: Stepping, lr: number, initialLr: number): number {
  const c = s.cfg;
  const t = s.lastStep;
  const total = s.end - s.begin - 1;
  switch (c.type) {
    case 'LinearLR': {
      const [sf, ef] = [c.start_factor ?? 1 / 3, c.end_factor ?? 1];
      return t === 0 ? lr * sf : lr * (1 + (ef - sf) / (total * sf + (t - 1) * (ef - sf)));
    }
    case 'ConstantLR': {
      const f = c.factor ?? 1 / 3;
      if (t === 0) return lr * f;
      return t > total || t !== total ? lr : lr * (1 / f);
    }
    case 'MultiStepLR': {
      const count = (c.milestones ?? []).filter((m) => m === t).length;
      return count === 0 ? lr : lr * (c.gamma ?? 0.1) ** count;
    }
    case 'PolyLR': {
      const [m, p] = [c.eta_min ?? 0, c.power ?? 1];
      return t === 0 ? lr : (lr - m) * (1 - 1 / (total - t + 1)) ** p + m;
    }
    case 'CosineAnnealingLR': {
      const m = c.eta_min ?? 0;
      const T = c.T_max || s.end - s.begin;
      if (t === 0) return lr;
      if (pyMod(t - 1 - T, 2 * T) === 0) return lr + ((initialLr - m) * (1 - Math.cos(Math.PI / T))) / 2;
      return ((1 + Math.cos((Math.PI * t) / T)) / (1 + Math.cos((Math.PI * (t - 1)) / T))) * (lr - m) + m;
    }
  }
}

/**
 * The lr mmengine uses at iterations 0..iterations−1: constructing the schedulers steps each once, then every
 * iteration steps them all.
 */
export function chainedLrs(cfgs: SchedulerCfg[], initialLr: number, iterations: number): number[] {
  const schedulers: Stepping[] = cfgs.map((cfg) => ({
    cfg,
    begin: cfg.begin ?? 0,
    end: cfg.end ?? 1e9,
    lastStep: -1,
    globalStep: -1,
  }));
  let lr = initialLr;
  const stepAll = () => {
    for (const s of schedulers) {
      s.globalStep += 1;
      if (s.begin <= s.globalStep && s.globalStep < s.end) {
        s.lastStep += 1;
        lr = value(s, lr, initialLr);
      }
    }
  };
  const lrs: number[] = [];
  for (let i = 0; i < iterations; i++) {
    stepAll();
    lrs.push(lr);
  }
  return lrs;
}
