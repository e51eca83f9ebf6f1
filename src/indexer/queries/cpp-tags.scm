; Tags for C++: the C patterns plus classes, namespaces, methods defined inside a class
; and out-of-class definitions `Type::method` (scope captured from the qualifier).

(function_definition declarator: [
  (function_declarator declarator: (identifier) @name)
  (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))
  (reference_declarator (function_declarator declarator: (identifier) @name))]) @definition.function
(function_definition declarator: (function_declarator declarator: (field_identifier) @name)) @definition.method
(function_definition declarator: [
  (function_declarator declarator: (qualified_identifier scope: (_) @scope name: [(identifier) (destructor_name) (operator_name)] @name))
  (pointer_declarator declarator: (function_declarator declarator: (qualified_identifier scope: (_) @scope name: (identifier) @name)))
  (reference_declarator (function_declarator declarator: (qualified_identifier scope: (_) @scope name: (identifier) @name)))]) @definition.method
;; Nested qualifiers, right-nested by the grammar (`ns::Outer::Inner::method`): the innermost scope names the class.
(function_definition declarator: [
  (function_declarator declarator: (qualified_identifier name: (qualified_identifier scope: (_) @scope name: [(identifier) (destructor_name) (operator_name)] @name)))
  (pointer_declarator declarator: (function_declarator declarator: (qualified_identifier name: (qualified_identifier scope: (_) @scope name: (identifier) @name))))
  (reference_declarator (function_declarator declarator: (qualified_identifier name: (qualified_identifier scope: (_) @scope name: (identifier) @name))))]) @definition.method
(function_definition declarator: [
  (function_declarator declarator: (qualified_identifier name: (qualified_identifier name: (qualified_identifier scope: (_) @scope name: [(identifier) (destructor_name) (operator_name)] @name))))
  (pointer_declarator declarator: (function_declarator declarator: (qualified_identifier name: (qualified_identifier name: (qualified_identifier scope: (_) @scope name: (identifier) @name)))))]) @definition.method
(function_definition declarator: (function_declarator declarator: (qualified_identifier name: (qualified_identifier name: (qualified_identifier name: (qualified_identifier scope: (_) @scope name: [(identifier) (destructor_name) (operator_name)] @name)))))) @definition.method
(declaration declarator: (function_declarator declarator: (identifier) @name)) @definition.prototype
(field_declaration declarator: (function_declarator declarator: (field_identifier) @name)) @definition.prototype
(struct_specifier name: (type_identifier) @name body: (_)) @definition.struct
(class_specifier name: (type_identifier) @name body: (_)) @definition.class
(union_specifier name: (type_identifier) @name body: (_)) @definition.union
(enum_specifier name: (type_identifier) @name body: (_)) @definition.enum
(enumerator name: (identifier) @name) @definition.enumerator
(namespace_definition name: (namespace_identifier) @name) @definition.module
; C++17's namespace a::b { ... } (a::b::c nests the specifier): the innermost name, up to four deep.
(namespace_definition name: (nested_namespace_specifier (namespace_identifier) @name .)) @definition.module
(namespace_definition name: (nested_namespace_specifier (nested_namespace_specifier (namespace_identifier) @name .))) @definition.module
(namespace_definition name: (nested_namespace_specifier (nested_namespace_specifier (nested_namespace_specifier (namespace_identifier) @name .)))) @definition.module
(type_definition declarator: (type_identifier) @name) @definition.type
(alias_declaration name: (type_identifier) @name) @definition.type
(preproc_def name: (identifier) @name) @definition.macro
(preproc_function_def name: (identifier) @name) @definition.macro
(field_declaration declarator: [
  (field_identifier) @name
  (pointer_declarator declarator: (field_identifier) @name)
  (array_declarator declarator: (field_identifier) @name)]) @definition.property
(translation_unit (declaration declarator: [
  (identifier) @name
  (init_declarator declarator: (identifier) @name)]) @definition.variable)

(call_expression function: [
  (identifier) @name
  (field_expression field: (field_identifier) @name)
  (qualified_identifier name: (identifier) @name)]) @reference.call
(new_expression type: (type_identifier) @name) @reference.class
(base_class_clause (type_identifier) @name) @reference.class
(type_identifier) @name @reference.type

(preproc_include) @import
(using_declaration) @import
