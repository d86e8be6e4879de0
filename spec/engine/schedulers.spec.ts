import { expect } from 'chai';
import { ConfigError } from '../../lib/config/errors.js';
import {
  buildLrSchedule, ConstantLR, CosineAnnealingLR, LinearLR, LrSchedule, MultiStepLR, PolyLR, type LrScheduler,
} from '../../lib/engine/schedulers/index.js';
import type { ComponentConfig } from '../../lib/config/types.js';
import { chainedLrs, type SchedulerCfg } from './mmengine-chained.js';

/** The Swin-T + UPerNet ADE20K recipe (mmseg 1.x): linear warmup over 1500 iterations, then poly to 0 at 160k. */
const SWIN: SchedulerCfg[] = [
  { type: 'LinearLR', start_factor: 1e-6, begin: 0, end: 1500 },
  { type: 'PolyLR', eta_min: 0, power: 1, begin: 1500, end: 160000 },
];

function build(cfgs: SchedulerCfg[], baseLrs: number[]): LrSchedule {
  const configs = cfgs.map((c) => ({ ...c, by_epoch: false }) as unknown as ComponentConfig);
  return buildLrSchedule(configs, baseLrs);
}

/** Expect the closed form to match mmengine's recursion at every iteration below `iterations`. */
function expectChained(cfgs: SchedulerCfg[], base: number, iterations: number): void {
  const schedule = build(cfgs, [base]);
  const chained = chainedLrs(cfgs, base, iterations);
  chained.forEach((lr, i) => {
    const closed = schedule.lrAt(i)[0]!;
    if (Math.abs(closed - lr) > 1e-9 * base) expect.fail(`iteration ${i}: closed form ${closed}, mmengine ${lr}`);
  });
}

describe('LR schedules (mmengine param_scheduler, by_epoch=False)', () => {
  describe('Swin recipe, base lr 6e-5', () => {
    const schedule = build(SWIN, [6e-5]);
    const lr = (i: number) => schedule.lrAt(i)[0]!;

    it('warms up linearly from 6e-5·1e-6 to 6e-5 at iteration 1499 (end exclusive)', () => {
      expect(lr(0)).to.be.closeTo(6e-11, 1e-24);
      // F(1) = 1e-6 + (1 − 1e-6)·1/1499
      expect(lr(1)).to.be.closeTo(6e-5 * (1e-6 + (1 - 1e-6) / 1499), 1e-20);
      expect(lr(1)).to.be.closeTo(4.008664442961975e-8, 1e-20);
      expect(lr(1499)).to.be.closeTo(6e-5, 1e-18);
    });

    it('then decays linearly (power 1) to 0 at iteration 159999 (T = 160000 − 1500 − 1 = 158499)', () => {
      expect(lr(1500)).to.be.closeTo(6e-5, 1e-18);
      expect(lr(1501)).to.be.closeTo((6e-5 * 158498) / 158499, 1e-18);
      expect(lr(80000)).to.be.closeTo((6e-5 * 79999) / 158499, 1e-18);
      expect(lr(80000)).to.be.closeTo(3.028372418753431e-5, 1e-17);
      expect(lr(159999)).to.equal(0);
      expect(lr(200000)).to.equal(0);
    });

    it('agrees with mmengine\'s recursive steps at every iteration', () => {
      expectChained(SWIN, 6e-5, 160001);
    });

    it('scales every param group by the same factors (lr_mult groups)', () => {
      const [a, b] = build(SWIN, [6e-5, 6e-6]).lrAt(80000);
      expect(b! / a!).to.be.closeTo(0.1, 1e-12);
    });
  });

  it('keeps the initial lrs without schedulers', () => {
    expect(buildLrSchedule(undefined, [0.1, 0.01]).lrAt(1234)).to.deep.equal([0.1, 0.01]);
  });

  it('CosineAnnealingLR: T_max from begin/end, eta_min, after a warmup', () => {
    const cfgs: SchedulerCfg[] = [
      { type: 'LinearLR', start_factor: 0.001, begin: 0, end: 50 },
      { type: 'CosineAnnealingLR', eta_min: 1e-5, begin: 50, end: 400 },
    ];
    expectChained(cfgs, 0.01, 500);
    const lr = build(cfgs, [0.01]).lrAt(50 + 175)[0]!; // half way: eta_min + (lr0 − eta_min)·(1 + cos(π/2))/2
    expect(lr).to.be.closeTo(1e-5 + (0.01 - 1e-5) / 2, 1e-15);
  });

  it('CosineAnnealingLR with T_max shorter than its range rises again after eta_min (restarts)', () => {
    const cfgs: SchedulerCfg[] = [{ type: 'CosineAnnealingLR', T_max: 20, eta_min: 0.001, begin: 5, end: 120 }];
    expectChained(cfgs, 0.1, 140);
    const schedule = build(cfgs, [0.1]);
    expect(schedule.lrAt(25)[0]).to.be.closeTo(0.001, 1e-15);
    expect(schedule.lrAt(45)[0]).to.be.closeTo(0.1, 1e-12);
  });

  it('ConstantLR multiplies until end − 2 and restores at end − 1', () => {
    const cfgs: SchedulerCfg[] = [{ type: 'ConstantLR', factor: 0.5, begin: 2, end: 6 }];
    const lrs = [0, 1, 2, 3, 4, 5, 6].map((i) => build(cfgs, [1]).lrAt(i)[0]);
    expect(lrs).to.deep.equal([1, 1, 0.5, 0.5, 0.5, 1, 1]);
    expectChained(cfgs, 1, 10);
  });

  it('MultiStepLR counts milestones from begin, repeated milestones multiply', () => {
    const cfgs: SchedulerCfg[] = [{ type: 'MultiStepLR', milestones: [3, 6, 6], gamma: 0.5, begin: 10, end: 30 }];
    const schedule = build(cfgs, [1]);
    expect([12, 13, 15, 16, 40].map((i) => schedule.lrAt(i)[0])).to.deep.equal([1, 0.5, 0.5, 0.125, 0.125]);
    expectChained(cfgs, 1, 40);
  });

  it('overlapping schedulers that commute (same fixed point) match mmengine', () => {
    expectChained(
      [
        { type: 'LinearLR', start_factor: 0.1, begin: 0, end: 30 },
        { type: 'PolyLR', eta_min: 0, power: 0.9, begin: 0, end: 100 },
        { type: 'MultiStepLR', milestones: [10, 50], gamma: 0.3, begin: 20 },
        { type: 'ConstantLR', factor: 0.25, begin: 60, end: 80 },
      ],
      0.02,
      150,
    );
  });

  it('rejects overlapping schedulers with different fixed points, naming them', () => {
    const cfgs: SchedulerCfg[] = [
      { type: 'LinearLR', start_factor: 0.1, begin: 0, end: 30 },
      { type: 'PolyLR', eta_min: 1e-4, begin: 0, end: 100 },
    ];
    expect(() => build(cfgs, [0.01])).to.throw(/LinearLR \[0, 30\) and PolyLR \[0, 100\) overlap from iteration 0/);
    const restarting: SchedulerCfg[] = [
      { type: 'CosineAnnealingLR', T_max: 5, begin: 0, end: 20 },
      { type: 'MultiStepLR', milestones: [3], begin: 0, end: 20 },
    ];
    expect(() => build(restarting, [0.01])).to.throw('CosineAnnealingLR [0, 20) restarts meanwhile');
  });

  it('checks the config: end > begin with its path, by_epoch false', () => {
    const bad = [{ type: 'PolyLR', begin: 10, end: 10 }] as unknown as ComponentConfig[];
    expect(() => buildLrSchedule(bad, [1])).to.throw(ConfigError, 'param_scheduler[0].end: must be greater than begin (10)');
    const epoch = { type: 'LinearLR', by_epoch: true } as unknown as ComponentConfig;
    expect(() => buildLrSchedule(epoch, [1])).to.throw(ConfigError, 'param_scheduler.by_epoch');
  });

  it('the classes can be used without configs', () => {
    const schedulers: LrScheduler[] = [
      new LinearLR({ start_factor: 0.5, end_factor: 1, begin: 0, end: 3 }),
      new PolyLR({ eta_min: 0, power: 2, begin: 3, end: 13 }),
      new ConstantLR({ factor: 0.5, begin: 13, end: 15 }),
    ];
    const schedule = new LrSchedule(schedulers, [1]);
    expect(schedule.lrAt(1)[0]).to.be.closeTo(0.75, 1e-15);
    expect(schedule.lrAt(8)[0]).to.be.closeTo((4 / 9) ** 2, 1e-15); // PolyLR t = 5 of T = 9: (1 − 5/9)²
    const steps = new MultiStepLR({ milestones: [1], gamma: 0.1, end: 5 });
    const overlapping = new LrSchedule([steps, new CosineAnnealingLR({ T_max: null, eta_min: 0, end: 5 })], [1]);
    expect(overlapping.lrAt(2)[0]).to.be.closeTo(0.1 * ((1 + Math.cos((2 * Math.PI) / 5)) / 2), 1e-15);
  });
});
