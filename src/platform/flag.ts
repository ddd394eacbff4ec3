/** The value after `name` on a command line (`--entity FO-LYON`), if given: the `ecart` subcommands' one reader. */
export const flag = (args: readonly string[], name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
