/** Every `hearth` command. Add a command by adding its import and its entry here. */
import type { CliCommand } from "./command.ts";
import { statusCommand } from "./commands/status.ts";

export const COMMANDS: readonly CliCommand[] = [statusCommand];
