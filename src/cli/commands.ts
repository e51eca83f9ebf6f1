/** Every `hearth` command. Add a command by adding its import and its entry here. */
import type { CliCommand } from "./command.ts";
import { statusCommand } from "./commands/status.ts";
import { indexCommand } from "./commands/index.ts";
import { locateCommand } from "./commands/locate.ts";
import { mapCommand } from "./commands/map.ts";
import { applyPatchCommand } from "./commands/apply-patch.ts";
import { fixCommand } from "./commands/fix.ts";
import { modelsCommand } from "./commands/models.ts";
import { chatCommand } from "./commands/chat.ts";
import { storageCommand } from "./commands/storage.ts";

export const COMMANDS: readonly CliCommand[] = [statusCommand, indexCommand, locateCommand, mapCommand, applyPatchCommand, fixCommand, modelsCommand, chatCommand, storageCommand];
