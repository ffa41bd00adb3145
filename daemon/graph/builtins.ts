/**
 * Method names the languages' own types define (Python's dict/list/str/set/file, JavaScript's
 * Array/String/Map/Set/Promise/Object): `x.get(k)` on an unknown receiver is far more often
 * the built-in than a repository method of that name. Also the built-in type names a receiver
 * can be (`dict.get(d, k)` is not `MyDict.get`).
 */
const PYTHON_METHODS = `append extend insert remove pop clear index count sort reverse copy keys values items get
setdefault update popitem fromkeys add discard union intersection difference issubset issuperset
split rsplit join strip lstrip rstrip replace startswith endswith find rfind lower upper format encode decode
read readline readlines write writelines close flush seek tell open send recv
__init__ __getitem__ __setitem__ __delitem__ __contains__ __iter__ __len__ __repr__ __str__ __eq__ __hash__
__enter__ __exit__ __call__ __getattr__ __setattr__ __new__`;

const ECMA_METHODS = `push pop shift unshift slice splice concat join indexOf lastIndexOf includes find findIndex filter map
forEach reduce reduceRight some every sort reverse flat flatMap fill keys values entries get set has delete clear add
then catch finally toString valueOf split replace trim startsWith endsWith toLowerCase toUpperCase match test exec
apply call bind next return throw emit on once off write end close`;

const words = (s: string) => new Set(s.split(/\s+/).filter(Boolean));

const METHODS: Record<string, ReadonlySet<string>> = { python: words(PYTHON_METHODS), ecma: words(ECMA_METHODS) };
const TYPES: Record<string, ReadonlySet<string>> = {
  python: words('dict list str set tuple int float bytes object type frozenset super'),
  ecma: words('Object Array String Map Set Promise Number Math JSON Reflect Symbol console Date RegExp Error'),
};

export const isBuiltinMethod = (family: string, name: string): boolean => METHODS[family]?.has(name) ?? false;
export const isBuiltinType = (family: string, name: string): boolean => TYPES[family]?.has(name) ?? false;
