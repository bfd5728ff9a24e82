/* Entry points of the subcommands; argv[0] is the subcommand name. Each
 * returns the process exit code. */
#ifndef YG_CLI_COMMANDS_H
#define YG_CLI_COMMANDS_H

int yg_cmd_sensor(int argc, char **argv);
int yg_cmd_hub(int argc, char **argv);
int yg_cmd_hub_admin(int argc, char **argv);
int yg_cmd_hub_migrate(int argc, char **argv);
/* hub_backup.c */
int yg_cmd_hub_backup(int argc, char **argv);
int yg_cmd_hub_restore(int argc, char **argv);
/* hub admin ... feed add|list|del|run (cmd_feed.c); st is open on dir. */
struct yg_store;
int yg_cmd_hub_feed(struct yg_store *st, const char *dir, int argc, char **argv);
/* hub admin ... peer add|list|remove (cmd_peer.c). */
int yg_cmd_hub_peer(struct yg_store *st, int argc, char **argv);
/* yagura hub admin ... cert add|list|revoke (cmd_cert.c). */
int yg_cmd_hub_cert(struct yg_store *st, int argc, char **argv);
/* hub admin org-share-sightings ORG on|off (cmd_peer.c): whether ORG's
 * sightings go to federation peers with its identity. */
int yg_cmd_hub_share_sightings(struct yg_store *st, int argc, char **argv);
int yg_cmd_mail(int argc, char **argv);
int yg_cmd_intel(int argc, char **argv);
int yg_cmd_level(int argc, char **argv);
int yg_cmd_devices(int argc, char **argv);
int yg_cmd_ics(int argc, char **argv);

#endif
