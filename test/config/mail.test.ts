// The e-mail alert keys of [global] and smtp_alert of instances and groups.

import { describe, expect, test } from "bun:test";
import { errorsOf, instance, loadOk, warningsOf } from "./helpers.ts";

const GROUP = `
[sync_groups.G]
group = ["VI_1", "VI_2"]
`;

function withInstances(global: string, extra1 = "", extra2 = "", group = GROUP): string {
  return `[global]\n${global}\n${instance("VI_1", extra1, 1)}\n${instance("VI_2", extra2, 2)}\n${group}`;
}

describe("mail settings", () => {
  test("every key read, with keepalived's defaults", () => {
    const none = loadOk(withInstances("")).global;
    expect(none).toMatchObject({
      notificationEmail: [],
      notificationEmailFrom: null,
      smtpServer: null,
      smtpPort: 25,
      smtpHeloName: null,
      smtpConnectTimeoutMs: 30_000,
      smtpAlert: false,
      noEmailFaults: false,
    });
    const all = loadOk(
      withInstances(`notification_email = ["noc@example.com", "ops@example.com", "root"]
notification_email_from = "vipd@lb-a.example.com"
smtp_server = "2001:db8::25"
smtp_port = 2525
smtp_helo_name = "lb-a.example.com"
smtp_connect_timeout = 7
smtp_alert = true
no_email_faults = true`),
    ).global;
    expect(all).toMatchObject({
      notificationEmail: ["noc@example.com", "ops@example.com", "root"],
      notificationEmailFrom: "vipd@lb-a.example.com",
      smtpServer: "2001:db8::25",
      smtpPort: 2525,
      smtpHeloName: "lb-a.example.com",
      smtpConnectTimeoutMs: 7000,
      smtpAlert: true,
      noEmailFaults: true,
    });
  });

  test("global smtp_alert is the default of instances and groups", () => {
    const mail = 'notification_email = ["noc@example.com"]\nsmtp_server = "mail.example.com"\nsmtp_alert = true';
    const on = loadOk(withInstances(mail, "smtp_alert = false"));
    expect(on.instances.map((i) => i.smtpAlert)).toEqual([false, true]);
    expect(on.syncGroups[0]!.smtpAlert).toBe(true);
    const off = loadOk(withInstances(mail.replace("smtp_alert = true", ""), "", "", `${GROUP}smtp_alert = true\n`));
    expect(off.instances.map((i) => i.smtpAlert)).toEqual([false, false]);
    expect(off.syncGroups[0]!.smtpAlert).toBe(true);
  });

  test("addresses, host names and the port are checked: nothing can break an SMTP command line", () => {
    expect(
      errorsOf(
        withInstances(`notification_email = ["noc@example.com", "not an address", "a@b\\r\\nRCPT TO:<x@y>"]
notification_email_from = "<vipd@example.com>"
smtp_server = "mail example.com"
smtp_port = 0
smtp_helo_name = "a/b"
smtp_connect_timeout = 0`),
      ),
    ).toEqual([
      '/etc/vipd/config.toml:2: global.notification_email[1]: must be an e-mail address (local@domain or a local user), got "not an address"',
      '/etc/vipd/config.toml:2: global.notification_email[2]: must be an e-mail address (local@domain or a local user), got "a@b\\r\\nRCPT TO:<x@y>"',
      '/etc/vipd/config.toml:3: global.notification_email_from: must be an e-mail address (local@domain or a local user), got "<vipd@example.com>"',
      '/etc/vipd/config.toml:4: global.smtp_server: must be a host name or address, got "mail example.com"',
      "/etc/vipd/config.toml:5: global.smtp_port: must be an integer from 1 to 65535, got 0",
      '/etc/vipd/config.toml:6: global.smtp_helo_name: must be a host name, got "a/b"',
      "/etc/vipd/config.toml:7: global.smtp_connect_timeout: must be a number of seconds from 1 to 3600, got 0",
    ]);
  });
});

describe("settings that would do nothing are reported", () => {
  test("smtp_alert without a server or recipients", () => {
    expect(warningsOf(withInstances('notification_email = ["noc@example.com"]', "smtp_alert = true"))).toEqual([
      "/etc/vipd/config.toml:7: instances.VI_1.smtp_alert: is true, but no mail is sent without [global] notification_email and smtp_server",
    ]);
    expect(warningsOf(withInstances('smtp_server = "192.0.2.25"\nsmtp_alert = true'))).toEqual([
      "/etc/vipd/config.toml:3: global.smtp_alert: is true, but no mail is sent without [global] notification_email and smtp_server",
    ]);
  });

  test("a server and recipients, but nothing has smtp_alert", () => {
    expect(warningsOf(withInstances('notification_email = ["noc@example.com"]\nsmtp_server = "192.0.2.25"'))).toEqual([
      "/etc/vipd/config.toml:3: global.smtp_server: no instance or sync group has smtp_alert = true: no mail will be sent",
    ]);
  });

  test("a load balancer's mails count: a virtual server's smtp_alert, or a real server's with a check", () => {
    const lb = (global: string, vs: string, rs: string) =>
      `[global]\n${global}\n[virtual_servers.web]\naddress = "192.0.2.10"\nport = 80\nprotocol = "tcp"\n${vs}\n[[virtual_servers.web.real_servers]]\naddress = "198.51.100.1"\n${rs}\n`;
    const server = 'notification_email = ["noc@example.com"]\nsmtp_server = "192.0.2.25"';
    expect(warningsOf(lb(server, "smtp_alert = true", "smtp_alert = false"))).toEqual([]);
    expect(warningsOf(lb(server, "", "TCP_CHECK = {}"))).toEqual([]);
    expect(warningsOf(lb(server, "", ""))).toEqual([
      "/etc/vipd/config.toml:3: global.smtp_server: no instance or sync group has smtp_alert = true: no mail will be sent",
    ]);
    expect(warningsOf(lb("", "smtp_alert = true", ""))).toEqual([
      "/etc/vipd/config.toml:7: virtual_servers.web.smtp_alert: is true, but no mail is sent without [global] notification_email and smtp_server",
    ]);
  });

  test("a complete setup has no warning", () => {
    expect(warningsOf(withInstances('notification_email = ["noc@example.com"]\nsmtp_server = "192.0.2.25"', "smtp_alert = true"))).toEqual(
      [],
    );
  });
});
