// jest-runtime: Jest's module registry runs the test's modules itself, never
// through require(), so require-in-the-middle cannot see pg there. Each
// module Jest loads passes through Runtime#_loadModule: the package files the
// definitions name are patched there, in the test file's own copy.
import type { ModuleDefinition } from './definition';
import { patchPackageFileAt } from './package-files';
import { unwrapMethods, wrapMethod } from './wrap';

interface LocalModule {
  exports: unknown;
}
interface JestRuntime {
  _loadModule(localModule: LocalModule, from: string, moduleName: string | undefined, modulePath: string, options?: { isInternalModule?: boolean }): void;
}

export const jestRuntimeDefinition: ModuleDefinition = {
  name: 'jest-runtime',
  kinds: [],
  files: [
    {
      file: 'jest-runtime',
      versions: '29.x || 30.x',
      patch(exports: { default?: { prototype: JestRuntime } }) {
        const prototype = exports.default?.prototype;
        if (typeof prototype?._loadModule !== 'function') throw new Error('no Runtime#_loadModule');
        wrapMethod(prototype, '_loadModule', (original) =>
          function _loadModule(this: JestRuntime, localModule: LocalModule, ...rest: unknown[]) {
            const result = original.call(this, localModule, ...rest);
            const [, , modulePath, options] = rest as [string, string | undefined, string, { isInternalModule?: boolean } | undefined];
            if (!options?.isInternalModule && typeof modulePath === 'string') localModule.exports = patchPackageFileAt(modulePath, localModule.exports);
            return result;
          },
        );
      },
      unpatch(exports: { default?: { prototype: JestRuntime } }) {
        if (exports.default) unwrapMethods(exports.default.prototype, ['_loadModule']);
      },
    },
  ],
};
