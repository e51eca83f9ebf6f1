/**
 * `word` as a POSIX sh reads it back: left as it is when it holds only characters sh takes as
 * they are (letters, digits, _ and @%+=:,./-), else in single quotes, each ' in it as '\''.
 * For commands Hearth writes for a model's run_command or run_tests (a chosen python, a file
 * to grep) and, on macOS and Linux, for a user to copy (the CLI's no-model.ts adds Windows).
 */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}
