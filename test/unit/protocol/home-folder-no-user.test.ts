// protocol/home-folder.ts as a user id the system does not list (docker run --user 12345,
// OpenShift) with HOME unset: node's os.homedir() throws there (uv_os_homedir: ENOENT) as
// os.userInfo() does, and the throw went out as node's SystemError, a stack trace with no way
// out. Now it is the same message as for an empty HOME: no home folder, set HOME.
import assert from "node:assert/strict";
import { isAbsolute } from "node:path";
import { it } from "node:test";
import { homeFolderOf } from "../../../src/protocol/home-folder.ts";

const unlisted = () => {
  throw Object.assign(new Error("A system error occurred: uv_os_get_passwd returned ENOENT (no such file or directory)"), { code: "ERR_SYSTEM_ERROR" });
};

it("HOME unset and no user-list entry: says there is no home folder and to set HOME", () => {
  const homedir = () => {
    throw Object.assign(new Error("A system error occurred: uv_os_homedir returned ENOENT (no such file or directory)"), { code: "ERR_SYSTEM_ERROR" });
  };
  assert.throws(() => homeFolderOf({ homedir, userInfo: unlisted, isAbsolute }), {
    message: "Hearth has no home folder to keep its files in: HOME is empty or unset and this user has none in the system's user list; set HOME to a folder this user can write",
  });
});

it("HOME set (docker's HOME=/ for such a user) is used as it is", () => {
  assert.equal(homeFolderOf({ homedir: () => "/", userInfo: unlisted, isAbsolute }), "/");
});
