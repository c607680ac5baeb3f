import type pg from 'pg';
export declare const TYPES_FILE: string;
export declare function generateTypes(db: pg.Client): Promise<string>;
