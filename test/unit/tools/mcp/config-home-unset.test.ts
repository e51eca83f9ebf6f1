// ${userHome} in an MCP server's settings with HOME empty or relative (a systemd unit's
// `Environment=HOME=`, a CI step's env): it was HOME as it is, so "${userHome}/bin/srv" was
// /bin/srv (HOME empty) or ./bin/srv (HOME=.), which a stdio server, started in the workspace,
// ran from the workspace. It is the user's home from the system's user list then.
import assert from "node:assert/strict";
import { userInfo } from "node:os";
import { describe, it } from "node:test";
import { parseMcpConfig } from "../../../../src/tools/mcp/config.ts";

describe("MCP settings' ${userHome} with HOME empty or relative", () => {
  for (const home of ["", "."]) {
    it(`HOME=${JSON.stringify(home)}: is the user's home folder`, () => {
      const saved = process.env.HOME;
      process.env.HOME = home;
      try {
        const config = parseMcpConfig('{ "servers": { "home": { "command": "${userHome}/bin/srv" } } }', { workspaceFolder: "/work/ws", source: ".vscode/mcp.json", env: {} });
        assert.deepEqual(config.problems, []);
        const [server] = config.servers;
        assert.equal(server?.transport === "stdio" && server.command, `${userInfo().homedir}/bin/srv`);
      } finally {
        process.env.HOME = saved;
      }
    });
  }
});
