import { test } from "node:test";
import assert from "node:assert/strict";
import {
  findGroup,
  findUser,
  parseGroup,
  parseId,
  parsePasswd,
  supplementaryGids,
} from "../../src/observables/spec/passwd.js";

const PASSWD = `root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin

# a comment
app:x:1000:1000:App User,,,:/home/app:/bin/bash
broken:x:notanumber:0::/:/bin/sh
short:x:1001:1001
  spaced:x:1002:1003::/home/spaced:/bin/sh  \r
`;

const GROUP = `root:x:0:
wheel:x:10:root,app
# comment:x:11:app
app:x:1000:app
docker:x:999:ci, app
bad:x:zz:app
users:x:100:
`;

test("parsePasswd: fields, blank/comment/malformed lines skipped, short lines padded", () => {
  const users = parsePasswd(PASSWD);
  assert.deepEqual(
    users.map((u) => u.name),
    ["root", "daemon", "app", "short", "spaced"],
  );
  assert.deepEqual(users[2], {
    name: "app",
    password: "x",
    uid: 1000,
    gid: 1000,
    gecos: "App User,,,",
    home: "/home/app",
    shell: "/bin/bash",
  });
  assert.deepEqual(users[3], { name: "short", password: "x", uid: 1001, gid: 1001, gecos: "", home: "", shell: "" });
  assert.equal(users[4]?.uid, 1002);
  assert.equal(users[4]?.gid, 1003);
  assert.equal(users[4]?.shell, "/bin/sh");
  assert.deepEqual(parsePasswd(""), []);
});

test("parseGroup: members split and trimmed, empty list is []", () => {
  const groups = parseGroup(GROUP);
  assert.deepEqual(
    groups.map((g) => g.name),
    ["root", "wheel", "app", "docker", "users"],
  );
  assert.deepEqual(groups[0], { name: "root", password: "x", gid: 0, members: [] });
  assert.deepEqual(groups[1]?.members, ["root", "app"]);
  assert.deepEqual(groups[3]?.members, ["ci", "app"]);
  assert.deepEqual(parseGroup("\n\n"), []);
});

test("parseId: digits only, within 0..2^31-1", () => {
  assert.equal(parseId("0"), 0);
  assert.equal(parseId("1000"), 1000);
  assert.equal(parseId("2147483647"), 2147483647);
  assert.equal(parseId("2147483648"), undefined);
  assert.equal(parseId("-1"), undefined);
  assert.equal(parseId("+1"), undefined);
  assert.equal(parseId("1.5"), undefined);
  assert.equal(parseId(""), undefined);
  assert.equal(parseId("app"), undefined);
});

test("findUser / findGroup by name or id, first match wins", () => {
  const users = parsePasswd(PASSWD + "dup:x:1000:5::/:/bin/sh\n");
  assert.equal(findUser(users, "app")?.uid, 1000);
  assert.equal(findUser(users, 1000)?.name, "app");
  assert.equal(findUser(users, "nobody"), undefined);
  assert.equal(findUser(users, 4242), undefined);
  const groups = parseGroup(GROUP);
  assert.equal(findGroup(groups, "docker")?.gid, 999);
  assert.equal(findGroup(groups, 10)?.name, "wheel");
  assert.equal(findGroup(groups, "nogroup"), undefined);
});

test("supplementaryGids: groups listing the user, minus the user's own group, in file order", () => {
  const groups = parseGroup(GROUP);
  assert.deepEqual(supplementaryGids(groups, "app"), [10, 999]);
  assert.deepEqual(supplementaryGids(groups, "root"), [10]);
  assert.deepEqual(supplementaryGids(groups, "ci"), [999]);
  assert.deepEqual(supplementaryGids(groups, "ghost"), []);
});
