/**
 * The one init-symbol rule. An extension module defines `PyInit_<last part of its name>`; linked
 * statically beside others, two modules of one last name ("a.utils", "b.utils") would clash, so each
 * is given `PyInit_<dotted name with __ for .>`, and the interpreter's inittab names that.
 */
export const ownInitSymbol = (moduleName: string) => `PyInit_${moduleName.split('.').pop()}`;

/** The init symbol of a statically linked module: after its whole dotted name. */
export const staticInitSymbol = (moduleName: string) => `PyInit_${moduleName.replace(/\./g, '__')}`;
