/** Types of tasks.js (plain JS, served to the page and imported by the tests). */
export declare function tasksSql(rows: number): string;
