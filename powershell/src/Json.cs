// JSON in and out, with the parser and writer the runtime has (System.Runtime.Serialization's
// DataContractJsonSerializer and JsonReaderWriterFactory, in .NET Framework 4.x and .NET alike).
// Result documents become the module's typed classes; the few open-ended parts (Graph request
// bodies of a WhatIf plan, verification checks, error details) become ordered PSObjects.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Runtime.Serialization;
using System.Runtime.Serialization.Json;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace CMAAD.Interop
{
    /// <summary>A request document built field by field; null values are left out.</summary>
    public sealed class JsonRequest
    {
        private readonly List<KeyValuePair<string, object>> fields = new List<KeyValuePair<string, object>>();

        /// <summary>The number of fields set.</summary>
        public int Count
        {
            get { return fields.Count; }
        }

        /// <summary>Sets a field: string, bool, int, long, string[], JsonRequest or null (left out).</summary>
        public JsonRequest Set(string name, object value)
        {
            if (value == null)
            {
                return this;
            }
            fields.RemoveAll(delegate(KeyValuePair<string, object> f) { return f.Key == name; });
            fields.Add(new KeyValuePair<string, object>(name, value));
            return this;
        }

        /// <summary>True when the field is set.</summary>
        public bool Has(string name)
        {
            return fields.Exists(delegate(KeyValuePair<string, object> f) { return f.Key == name; });
        }

        /// <summary>The document as NUL-terminated UTF-8, for the native call.</summary>
        public byte[] ToNative()
        {
            using (var stream = new MemoryStream())
            {
                using (XmlDictionaryWriter writer = JsonReaderWriterFactory.CreateJsonWriter(stream, new UTF8Encoding(false), false))
                {
                    writer.WriteStartElement("root");
                    WriteFields(writer);
                    writer.WriteEndElement();
                    writer.Flush();
                }
                stream.WriteByte(0);
                return stream.ToArray();
            }
        }

        /// <summary>The document as text (for messages and tests).</summary>
        public override string ToString()
        {
            byte[] bytes = ToNative();
            return Encoding.UTF8.GetString(bytes, 0, bytes.Length - 1);
        }

        private void WriteFields(XmlDictionaryWriter writer)
        {
            writer.WriteAttributeString("type", "object");
            foreach (KeyValuePair<string, object> field in fields)
            {
                writer.WriteStartElement(field.Key);
                WriteValue(writer, field.Value);
                writer.WriteEndElement();
            }
        }

        private static void WriteValue(XmlDictionaryWriter writer, object value)
        {
            var nested = value as JsonRequest;
            if (nested != null)
            {
                nested.WriteFields(writer);
                return;
            }
            var list = value as string[];
            if (list != null)
            {
                writer.WriteAttributeString("type", "array");
                foreach (string item in list)
                {
                    writer.WriteStartElement("item");
                    WriteValue(writer, item);
                    writer.WriteEndElement();
                }
                return;
            }
            if (value is bool)
            {
                writer.WriteAttributeString("type", "boolean");
                writer.WriteString((bool)value ? "true" : "false");
                return;
            }
            if (value is int || value is long)
            {
                writer.WriteAttributeString("type", "number");
                writer.WriteString(Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture));
                return;
            }
            if (value == null)
            {
                writer.WriteAttributeString("type", "null");
                return;
            }
            writer.WriteAttributeString("type", "string");
            writer.WriteString(Convert.ToString(value, CultureInfo.InvariantCulture));
        }

        /// <summary>A DateTime as RFC 3339 UTC text; an unspecified kind counts as local time, as everywhere in PowerShell.</summary>
        public static string Timestamp(DateTime value)
        {
            return value.ToUniversalTime().ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'Z'", CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Reads result documents.</summary>
    public static class JsonDocument
    {
        [ThreadStatic]
        private static XmlDictionaryReader reader;

        private static readonly Dictionary<Type, DataContractJsonSerializer> Serializers = new Dictionary<Type, DataContractJsonSerializer>();

        /// <summary>The document as an instance of a [DataContract] class.</summary>
        public static T Read<T>(string json) where T : class
        {
            return (T)Read(typeof(T), json);
        }

        /// <summary>The document as an instance of the [DataContract] class <paramref name="type"/>.</summary>
        public static object Read(Type type, string json)
        {
            DataContractJsonSerializer serializer;
            lock (Serializers)
            {
                if (!Serializers.TryGetValue(type, out serializer))
                {
                    serializer = new DataContractJsonSerializer(type);
                    Serializers.Add(type, serializer);
                }
            }
            // One JSON reader per thread, given each document's bytes anew (IXmlJsonReaderInitializer):
            // no stream, no encoding detection and no reader buffers allocated per call.
            byte[] bytes = Encoding.UTF8.GetBytes(json);
            if (reader == null)
            {
                reader = JsonReaderWriterFactory.CreateJsonReader(bytes, 0, bytes.Length, Encoding.UTF8, XmlDictionaryReaderQuotas.Max, null);
            }
            else
            {
                ((IXmlJsonReaderInitializer)reader).SetInput(bytes, 0, bytes.Length, Encoding.UTF8, XmlDictionaryReaderQuotas.Max, null);
            }
            return serializer.ReadObject(reader);
        }

        /// <summary>The document as the JSON-to-XML mapping of JsonReaderWriterFactory.</summary>
        public static XElement Tree(string json)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(json);
            using (XmlDictionaryReader reader = JsonReaderWriterFactory.CreateJsonReader(bytes, XmlDictionaryReaderQuotas.Max))
            {
                return XElement.Load(reader);
            }
        }

        /// <summary>One member of a document's top-level object as a PowerShell value (null when absent).</summary>
        public static object Member(string json, string name)
        {
            XElement root = Tree(json);
            XElement member = Find(root, name);
            return member == null ? null : ToValue(member);
        }

        /// <summary>A value of a document's tree as JSON text again (compact, members in their order).</summary>
        public static string Text(XElement element)
        {
            var root = new XElement("root", element.Attributes(), element.Nodes());
            // A null member read back holds an empty text node, which the writer refuses after
            // type="null": it becomes an element without content.
            var nulls = new List<XElement>();
            foreach (XElement member in root.Descendants())
            {
                XAttribute type = member.Attribute("type");
                if (type != null && type.Value == "null")
                {
                    nulls.Add(member);
                }
            }
            foreach (XElement member in nulls)
            {
                member.ReplaceWith(new XElement(member.Name, member.Attributes()));
            }
            using (var stream = new MemoryStream())
            {
                using (XmlDictionaryWriter writer = JsonReaderWriterFactory.CreateJsonWriter(stream, new UTF8Encoding(false), false))
                {
                    root.WriteTo(writer);
                    writer.Flush();
                }
                return Encoding.UTF8.GetString(stream.ToArray());
            }
        }

        /// <summary>The child of an object element with the given JSON key.</summary>
        public static XElement Find(XElement element, string name)
        {
            foreach (XElement child in element.Elements())
            {
                if (KeyOf(child) == name)
                {
                    return child;
                }
            }
            return null;
        }

        private static string KeyOf(XElement element)
        {
            XAttribute item = element.Attribute("item");
            return item != null ? item.Value : element.Name.LocalName;
        }

        /// <summary>
        /// A JSON value as PowerShell sees values: objects as ordered PSObjects, arrays as
        /// object[], integers as long, other numbers as double, text as text.
        /// </summary>
        public static object ToValue(XElement element)
        {
            XAttribute typeAttribute = element.Attribute("type");
            string type = typeAttribute == null ? "string" : typeAttribute.Value;
            switch (type)
            {
                case "object":
                    var result = new PSObject();
                    foreach (XElement child in element.Elements())
                    {
                        result.Properties.Add(new PSNoteProperty(KeyOf(child), ToValue(child)));
                    }
                    return result;
                case "array":
                    var items = new List<object>();
                    foreach (XElement child in element.Elements())
                    {
                        items.Add(ToValue(child));
                    }
                    return items.ToArray();
                case "number":
                    long whole;
                    if (long.TryParse(element.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out whole))
                    {
                        return whole;
                    }
                    return double.Parse(element.Value, NumberStyles.Float, CultureInfo.InvariantCulture);
                case "boolean":
                    return element.Value == "true";
                case "null":
                    return null;
                default:
                    return element.Value;
            }
        }

        /// <summary>A document timestamp (RFC 3339) as local time; null stays null.</summary>
        public static DateTime? Time(string text)
        {
            if (string.IsNullOrEmpty(text))
            {
                return null;
            }
            return DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind).ToLocalTime();
        }
    }
}
