/**
 * run_tests' `package`: one workspace package of an npm, pnpm or yarn workspaces repository
 * (a monorepo), whose own tests run in its folder. Without it a change in packages/foo ran
 * the root's test script — every package's tests, or none where the root has no test script.
 */
import { isAbsolute, join, posix } from "node:path";
import { workspacePackages } from "./project-setup.ts";
import { ToolError } from "./tool.ts";
import type { Workspace } from "./workspace.ts";

/** A workspace package's folder (workspace-relative) and the workspace seen from it. */
export interface PackageScope {
  readonly folder: string;
  readonly workspace: Workspace;
}

/**
 * The package `written` names, checked: in the workspace, one of the folders its workspaces
 * declare, with a package.json. Undefined for none (or the root itself): the root's tests.
 */
export async function packageScope(workspace: Workspace, written: string | undefined): Promise<PackageScope | undefined> {
  if (written === undefined || written.trim() === "") return undefined;
  const leave = "or leave package out to run the root's tests";
  let folder: string;
  try {
    folder = await workspace.resolve(written);
  } catch (error) {
    if (error instanceof ToolError && error.code === "outside-workspace") throw new ToolError("outside-workspace", `package "${written}" is outside the workspace; name the folder of one of its workspace packages (packages/foo), ${leave}`);
    throw error;
  }
  if (folder === ".") return undefined;
  const packages = (await workspacePackages(workspace, folder)) ?? [];
  const withManifest: string[] = [];
  for (const candidate of packages) if ((await workspace.stat(`${candidate}/package.json`).catch(() => undefined))?.type === "file") withManifest.push(candidate);
  if (!withManifest.includes(folder)) {
    if (withManifest.length === 0) throw new ToolError("invalid-input", `package "${folder}" is not a workspace package: the root package.json's "workspaces" and pnpm-workspace.yaml's packages name no folder with a package.json, that one included; ${leave}`);
    const named = withManifest.length > MAX_NAMED ? `${withManifest.slice(0, MAX_NAMED).join(", ")}, and ${withManifest.length - MAX_NAMED} more` : withManifest.join(", ");
    throw new ToolError("invalid-input", `package "${folder}" is not one of the workspace's packages (${named}); name one of those folders, ${leave}`);
  }
  return { folder, workspace: folderView(workspace, folder) };
}

const MAX_NAMED = 8;

/** `workspace` seen from `folder`: reads only, its paths relative to the folder (test detection reads the package's own files). */
function folderView(workspace: Workspace, folder: string): Workspace {
  const at = (path: string) => (path === "." || path === "" ? folder : posix.join(folder, path));
  const readOnly = async (): Promise<never> => {
    throw new ToolError("invalid-input", `a package's test detection only reads files (${folder})`);
  };
  return {
    root: join(workspace.root, folder),
    async resolve(path) {
      const whole = await workspace.resolve(isAbsolute(path) ? path : at(path.replace(/\\/g, "/")));
      if (whole === folder) return ".";
      if (!whole.startsWith(`${folder}/`)) throw new ToolError("outside-workspace", `"${path}" is outside the package ${folder}/`);
      return whole.slice(folder.length + 1);
    },
    read: (path) => workspace.read(at(path)),
    stat: (path) => workspace.stat(at(path)),
    list: (dir) => workspace.list(at(dir)),
    write: readOnly,
    create: readOnly,
    delete: readOnly,
    rename: readOnly,
    apply: readOnly,
    ...(workspace.unsaved ? { unsaved: (path: string) => workspace.unsaved!(at(path)) } : {}),
  };
}
