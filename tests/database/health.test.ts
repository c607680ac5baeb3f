/**
 * The health score has two implementations — core/src/health.ts (TypeScript, for anyone who wants
 * to recompute a stored score) and private.health_score (SQL, used by finalisation). They must agree
 * on every input; this checks a spread of edge cases and random inputs against the real database.
 */
import { computeHealthScore, type HealthInputs } from '@flowlens/core';
import { describe, expect, it } from 'vitest';
import { withDb } from '@flowlens/stack/testing';

function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

describe('health score: SQL and TypeScript agree', () => {
  it('on edge cases and 300 random inputs', async () => {
    const rnd = random(42);
    const int = (max: number) => Math.floor(rnd() * (max + 1));
    const cases: HealthInputs[] = [
      { bugs: { P0: 0, P1: 0, P2: 0, P3: 0 }, flows: { passed: 0, total: 0 }, performance: { withinBaseline: 0, regressed: 0 }, accessibility: { critical: 0, serious: 0, moderate: 0, minor: 0 } },
      { bugs: { P0: 1, P1: 0, P2: 0, P3: 0 }, flows: { passed: 3, total: 3 }, performance: { withinBaseline: 10, regressed: 0 }, accessibility: { critical: 0, serious: 0, moderate: 0, minor: 0 } },
      { bugs: { P0: 0, P1: 0, P2: 9, P3: 50 }, flows: { passed: 1, total: 3 }, performance: { withinBaseline: 1, regressed: 2 }, accessibility: { critical: 1, serious: 3, moderate: 20, minor: 30 } },
    ];
    for (let i = 0; i < 300; i++) {
      const total = int(12);
      cases.push({
        bugs: { P0: int(2), P1: int(8), P2: int(15), P3: int(40) },
        flows: { passed: int(total), total },
        performance: { withinBaseline: int(60), regressed: int(6) },
        accessibility: { critical: int(3), serious: int(8), moderate: int(15), minor: int(15) },
      });
    }
    const sql = await withDb(async (db) =>
      (await db.query<{ h: { score: number; components: Record<string, number>; formulaVersion: string } }>('select private.health_score(x) as h from jsonb_array_elements($1::jsonb) x', [JSON.stringify(cases)])).rows.map((r) => r.h),
    );
    cases.forEach((c, i) => {
      const ts = computeHealthScore(c);
      expect(sql[i], JSON.stringify(c)).toEqual({ score: ts.score, components: ts.components, formulaVersion: ts.formulaVersion });
    });
  });
});
