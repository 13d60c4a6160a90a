/** The part of web-ext's programmatic API that scripts/package.ts uses (web-ext ships no types). */
declare module 'web-ext' {
  interface LintMessage {
    code: string;
    message: string;
    file?: string;
  }
  export const cmd: {
    lint(params: Record<string, unknown>, options: { shouldExitProgram: boolean }): Promise<{ errors: LintMessage[]; warnings: LintMessage[] }>;
  };
}
