import { describe, expect, it } from 'vitest';
import { computeHealthScore, emptyHealthInputs, HEALTH_FORMULA_VERSION, HealthInputsSchema, readStoredHealthComponents, readStoredHealthInputs, type HealthInputs } from './health.ts';

const inputs = (patch: { bugs?: Partial<HealthInputs['bugs']>; flows?: Partial<HealthInputs['flows']>; performance?: Partial<HealthInputs['performance']>; accessibility?: Partial<HealthInputs['accessibility']> } = {}): HealthInputs => {
  const base = emptyHealthInputs();
  return {
    bugs: { ...base.bugs, ...patch.bugs },
    flows: { ...base.flows, ...patch.flows },
    performance: { ...base.performance, ...patch.performance },
    accessibility: { ...base.accessibility, ...patch.accessibility },
  };
};

describe('computeHealthScore', () => {
  it('gives a clean site 100', () => {
    expect(computeHealthScore(inputs({ flows: { passed: 12, total: 12 }, performance: { withinBaseline: 40 } }))).toEqual({
      score: 100,
      components: { bugs: 100, flows: 100, performance: 100, accessibility: 100 },
      formulaVersion: HEALTH_FORMULA_VERSION,
    });
    expect(computeHealthScore(emptyHealthInputs()).score).toBe(100);
  });

  it('matches the worked examples in HEALTH.md exactly', () => {
    expect(computeHealthScore(inputs({ bugs: { P1: 1 }, flows: { passed: 9, total: 10 } }))).toMatchObject({ score: 91, components: { bugs: 85, flows: 90 } });
    expect(computeHealthScore(inputs({ bugs: { P0: 1 } }))).toMatchObject({ score: 50, components: { bugs: 60 } });
    // Rounding half up: 2/3 passed = 66.67 → 67; 1/8 within = 12.5 → 13.
    expect(computeHealthScore(inputs({ flows: { passed: 2, total: 3 }, performance: { withinBaseline: 1, regressed: 7 } })).components).toMatchObject({ flows: 67, performance: 13 });
    expect(computeHealthScore(inputs({ accessibility: { critical: 1, serious: 2, moderate: 30, minor: 50 } })).components.accessibility).toBe(100 - (10 + 10 + 20 + 10));
  });

  it('caps the score at 50 with any P0, and floors components at 0', () => {
    expect(computeHealthScore(inputs({ bugs: { P0: 3, P1: 10, P2: 100, P3: 100 }, flows: { passed: 0, total: 5 }, performance: { regressed: 4 }, accessibility: { critical: 20 } }))).toEqual({
      score: 0,
      components: { bugs: 0, flows: 0, performance: 0, accessibility: 0 },
      formulaVersion: 'v1',
    });
    for (let p1 = 0; p1 < 5; p1++) expect(computeHealthScore(inputs({ bugs: { P0: 1, P1: p1 }, flows: { passed: 10, total: 10 } })).score).toBeLessThanOrEqual(50);
  });

  it('is monotone: more or severer bugs, failed flows or regressions never raise the score', () => {
    // Deterministic pseudo-random walk over many input combinations.
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let i = 0; i < 2000; i++) {
      const total = rand(20);
      const regressed = rand(10);
      const start = inputs({
        bugs: { P0: rand(2), P1: rand(4), P2: rand(12), P3: rand(30) },
        flows: { passed: total === 0 ? 0 : rand(total + 1), total },
        performance: { withinBaseline: rand(30), regressed },
        accessibility: { critical: rand(3), serious: rand(5), moderate: rand(15), minor: rand(15) },
      });
      const score = computeHealthScore(start).score;
      const worse: HealthInputs[] = [
        { ...start, bugs: { ...start.bugs, P0: start.bugs.P0 + 1 } },
        { ...start, bugs: { ...start.bugs, P3: start.bugs.P3 + 1 } },
        { ...start, bugs: { ...start.bugs, P2: start.bugs.P2 + 1 } },
        ...(start.bugs.P3 > 0 ? [{ ...start, bugs: { ...start.bugs, P3: start.bugs.P3 - 1, P1: start.bugs.P1 + 1 } }] : []),
        ...(start.bugs.P2 > 0 ? [{ ...start, bugs: { ...start.bugs, P2: start.bugs.P2 - 1, P1: start.bugs.P1 + 1 } }] : []),
        ...(start.bugs.P1 > 0 ? [{ ...start, bugs: { ...start.bugs, P1: start.bugs.P1 - 1, P0: start.bugs.P0 + 1 } }] : []),
        { ...start, flows: { passed: start.flows.passed, total: start.flows.total + 1 } },
        { ...start, performance: { ...start.performance, regressed: start.performance.regressed + 1 } },
        { ...start, accessibility: { ...start.accessibility, minor: start.accessibility.minor + 1 } },
        { ...start, accessibility: { ...start.accessibility, critical: start.accessibility.critical + 1 } },
      ];
      for (const w of worse) expect(computeHealthScore(w).score, JSON.stringify(w)).toBeLessThanOrEqual(score);
    }
  });

  it('refuses impossible inputs with a message naming them', () => {
    expect(() => computeHealthScore(inputs({ bugs: { P1: -1 } }))).toThrow('Health score inputs are invalid: bugs.P1 must be a non-negative integer, got -1.');
    expect(() => computeHealthScore(inputs({ flows: { passed: 3, total: 2 } }))).toThrow('flows.passed (3) cannot exceed flows.total (2)');
    expect(() => computeHealthScore(inputs({ performance: { withinBaseline: 1.5 } }))).toThrow(/performance\.withinBaseline must be a non-negative integer/);
  });
});

describe('stored health inputs', () => {
  it('read part by part: an unreadable or missing part is null, the others are kept', () => {
    const stored = { bugs: { P0: 0, P1: 2, P2: 0, P3: 1 }, flows: { passed: 3, total: 4 }, performance: { withinBaseline: 40, regressed: 2 }, accessibility: { critical: 0, serious: 1, moderate: 0, minor: 0 } };
    expect(readStoredHealthInputs(stored)).toEqual(stored);
    expect(HealthInputsSchema.parse(stored)).toEqual(stored);
    // The shape the dashboard once read (`measured`) is not the stored one: it does not pass for a count of 0.
    expect(readStoredHealthInputs({ ...stored, performance: { regressed: 0, measured: 24 }, flows: { passed: -1, total: 2 } })).toEqual({ ...stored, performance: null, flows: null });
    expect(readStoredHealthInputs('nonsense')).toEqual({ bugs: null, flows: null, performance: null, accessibility: null });
    expect(readStoredHealthInputs(null)).toEqual({ bugs: null, flows: null, performance: null, accessibility: null });
  });

  it('components are integers 0..100, else unreadable', () => {
    expect(readStoredHealthComponents({ bugs: 55, flows: 89, performance: 100, accessibility: 94 })).toEqual({ bugs: 55, flows: 89, performance: 100, accessibility: 94 });
    expect(readStoredHealthComponents({ bugs: 101, flows: 89, performance: 100, accessibility: 94 })).toBeNull();
    expect(readStoredHealthComponents([])).toBeNull();
  });
});
